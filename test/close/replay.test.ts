import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, readHistory } from '../support/histories';

// Recorded histories of real closes (see support/histories.ts), replayed against the workflow
// code of this commit: a non-deterministic change fails here, before it reaches running closes.

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.binpb')).sort();

describe('replay of recorded close histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s replays without a non-determinism error', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, readHistory(file), file.replace(/\.binpb$/, ''));
  });
});
