import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { CURRENT_FIXTURES, CURRENT_LINEAGE, historyFixtures, readHistory } from '../support/histories';

// Recorded histories of real closes (support/histories.ts), every lineage, replayed against the
// workflow code of this commit: a change that would break a running close fails here first.

const fixtures = historyFixtures();

describe('replay of recorded histories', () => {
  it(`has every fixture of the current lineage (${CURRENT_LINEAGE}): one for each path of the close`, () => {
    const current = fixtures.filter((f) => f.lineage === CURRENT_LINEAGE).map((f) => f.name);
    expect(current).toEqual([...CURRENT_FIXTURES].sort());
  });

  it.each(fixtures.map((f) => [`${f.lineage}/${f.name}`, f.file]))('%s replays without a non-determinism error', async (name, file) => {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, readHistory(file), name);
  });

  const approved = () => fixtures.find((f) => f.lineage === CURRENT_LINEAGE && f.name === 'customer-close-approved')!;

  it('fails when a command is added to customerClose', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: path.join(__dirname, 'altered/customer-close-with-extra-timer.ts') },
      readHistory(approved().file),
      'customer-close-approved-with-an-extra-timer',
    );
    await expect(replay).rejects.toThrow(DeterminismViolationError);
  }, 120_000);

  it('fails when a step of customerClose is renamed', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [path.join(__dirname, 'altered/renamed-step.ts')] } },
      readHistory(approved().file),
      'customer-close-approved-with-a-renamed-step',
    );
    await expect(replay).rejects.toThrow(DeterminismViolationError);
  }, 120_000);
});
