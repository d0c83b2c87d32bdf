import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SdkLogAdapter } from '../../infra/sdk-logger';

// The worker's log through the adapter, captured as the JSON lines it writes.
function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const adapter = new SdkLogAdapter(() => 'error', pino({ level }, sink));
  return { adapter, lines };
}

describe('the SDK log adapter', () => {
  it("keeps core's warnings about long local-step workflow tasks and dropped local steps out of the log", () => {
    const { adapter, lines } = capture('info');
    adapter.warn('[TMPRL1104] 01a2315d-8c1c:33:1 Workflow task duration exceeded 5 seconds.', { sdkComponent: 'core' });
    adapter.warn('Tried to complete untracked local activity', { sdkComponent: 'core' });
    adapter.warn('Activity failed to heartbeat', { sdkComponent: 'core' });
    expect(lines.map((l) => l.msg)).toEqual(['Activity failed to heartbeat']);
  });

  it('shows them at LOG_LEVEL=debug', () => {
    const { adapter, lines } = capture('debug');
    adapter.warn('[TMPRL1104] 01a2315d-8c1c:33:1 Workflow task duration exceeded 5 seconds.', { sdkComponent: 'core' });
    expect(lines).toHaveLength(1);
  });
});
