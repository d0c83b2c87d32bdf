import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-runner';

// The demo empties its out dir at start: a folder named by MONTH_CLOSE_OUT_DIR that holds
// someone else's files is refused (exit 2, the variable named) before anything is started or removed.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-out-dir-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const env = (outDir: string) => ({ ...process.env, MONTH_CLOSE_DATA_DIR: path.join(root, 'data'), MONTH_CLOSE_OUT_DIR: outDir, TEMPORAL_ADDRESS: '', DATABASE_URL: '', SMTP_HOST: '' });

describe('demo with MONTH_CLOSE_OUT_DIR', () => {
  it('refuses a folder with files that are not a previous demo\'s, and leaves them and the data dir alone', async () => {
    const outDir = path.join(root, 'papers');
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, 'thesis.tex'), 'mine');
    const run = await runCli(['demo', '--customers', '10', '--json'], env(outDir));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const error = JSON.parse(run.stderr.trim().split('\n').pop()!).error;
    expect(error.kind).toBe('bad_input');
    expect(error.message).toBe(`MONTH_CLOSE_OUT_DIR=${outDir}: the folder has files of something other than the demo, which empties it at start; name a new or empty folder`);
    expect(fs.readdirSync(outDir)).toEqual(['thesis.tex']);
    expect(fs.existsSync(path.join(root, 'data'))).toBe(false);
  });

  it('refuses a file', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'mine');
    const run = await runCli(['demo', '--customers', '10'], env(file));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`MONTH_CLOSE_OUT_DIR=${file}: not a folder`);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });
});
