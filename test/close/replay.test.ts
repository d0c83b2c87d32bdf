import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { LOCAL_STEPS_PATCH, PHASE_DELIVERIES_PATCH, REST_BY_STEP_PATCH } from '../../workflows/customer-close';
import { HISTORIES_DIR, readHistory } from '../support/histories';

// Recorded histories of real closes (see support/histories.ts), replayed against the workflow
// code of this commit: a non-deterministic change fails here, before it reaches running closes.

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.binpb')).sort();

/** Whether the close recorded the patch marker: it was begun on code that had the patch. */
function hasPatch(file: string, patchId: string): boolean {
  return (readHistory(file).events ?? []).some((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') return false;
    return Object.values(m.details ?? {}).some((p) => (p.payloads ?? []).some((x) => Buffer.from(x.data ?? []).toString('utf8').includes(patchId)));
  });
}

describe('replay of recorded close histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it('covers customer closes begun on regular activities, on local steps, with deliveries in the phases, and reporting rest by step', () => {
    const closes = files.filter((f) => f.startsWith('customer-close-'));
    const local = closes.filter((f) => hasPatch(f, LOCAL_STEPS_PATCH));
    const phase = closes.filter((f) => hasPatch(f, PHASE_DELIVERIES_PATCH));
    const restByStep = closes.filter((f) => hasPatch(f, REST_BY_STEP_PATCH));
    expect(restByStep).toEqual(closes.filter((f) => f.startsWith('customer-close-rest-by-step-')));
    expect(restByStep.length).toBeGreaterThanOrEqual(1);
    expect(restByStep.every((f) => phase.includes(f))).toBe(true); // only ever with phase deliveries
    expect(phase.filter((f) => !restByStep.includes(f))).toEqual(closes.filter((f) => f.startsWith('customer-close-phase-deliveries-')));
    expect(local.filter((f) => !phase.includes(f))).toEqual(closes.filter((f) => f.startsWith('customer-close-local-steps-')));
    expect(phase.every((f) => local.includes(f))).toBe(true); // only ever on local steps
    expect(phase.length - restByStep.length).toBeGreaterThanOrEqual(11);
    expect(local.length - phase.length).toBeGreaterThanOrEqual(7);
    expect(closes.length - local.length).toBeGreaterThanOrEqual(7);
  });

  it.each(files)('%s replays without a non-determinism error', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, readHistory(file), file.replace(/\.binpb$/, ''));
  });
});
