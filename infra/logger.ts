import pino from 'pino';

// Structured logs go to stderr as JSON lines, so stdout stays for a command's own output
// (human text or --json documents). LOG_LEVEL=debug shows more.
export const logger = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: { app: 'month-close' } },
  pino.destination({ fd: 2, sync: true }),
);

export type Logger = typeof logger;
