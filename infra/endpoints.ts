import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from './paths';

/** Where a command finds Temporal and PostgreSQL. */
export interface Endpoints {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  uiUrl: string | null;
  source: 'environment' | 'dev' | 'embedded';
}

export const DATABASE_NAME = 'month_close';
const DEV_STATE_FILE = path.join(DATA_DIR, 'dev.json');

interface DevState extends Endpoints {
  pid: number;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The `month-close dev` of this checkout, if one is running. */
export function readDevState(): DevState | null {
  const state = readStateFile();
  return state && alive(state.pid) ? state : null;
}

export function writeDevState(endpoints: Endpoints): void {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const state: DevState = { ...endpoints, source: 'dev', pid: process.pid, startedAt: new Date().toISOString() };
  fs.writeFileSync(DEV_STATE_FILE, JSON.stringify(state, null, 2));
}

export function clearDevState(): void {
  if (readStateFile()?.pid === process.pid) fs.rmSync(DEV_STATE_FILE, { force: true });
}

/** The state file, or null when there is none or it is unreadable (a dev cut short while writing it). */
function readStateFile(): DevState | null {
  try {
    return JSON.parse(fs.readFileSync(DEV_STATE_FILE, 'utf8')) as DevState;
  } catch {
    return null;
  }
}

/**
 * The one code path every command uses: TEMPORAL_ADDRESS / DATABASE_URL when set,
 * otherwise the services a `month-close dev` of this checkout keeps running.
 */
export function resolveEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  const dev = readDevState();
  if (env.TEMPORAL_ADDRESS && env.DATABASE_URL) {
    return { temporalAddress: env.TEMPORAL_ADDRESS, namespace, databaseUrl: env.DATABASE_URL, uiUrl: null, source: 'environment' };
  }
  if (!dev) {
    const missing = [!env.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS', !env.DATABASE_URL && 'DATABASE_URL'].filter(Boolean).join(' and ');
    throw new ServicesNotFound(
      `no services found: ${missing} not set and no 'month-close dev' is running for this checkout. ` +
        `Start 'npx month-close dev' in another shell, or set TEMPORAL_ADDRESS and DATABASE_URL.`,
    );
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || dev.temporalAddress,
    namespace: env.TEMPORAL_NAMESPACE || dev.namespace,
    databaseUrl: env.DATABASE_URL || dev.databaseUrl,
    uiUrl: dev.uiUrl,
    source: 'dev',
  };
}

export class ServicesNotFound extends Error {}
