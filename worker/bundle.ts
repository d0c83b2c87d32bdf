import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';

// Bundling the workflow code takes seconds; a run with several worker processes (the tests,
// the drill, the bench) bundles once and hands every worker the file.

/** Bundle the workflows into `file`; returns the path. Only the bundler's warnings and errors are shown. */
export async function bundleWorkflows(file: string): Promise<string> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  fs.writeFileSync(file, bundle.code);
  return file;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};
