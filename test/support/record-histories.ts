import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CURRENT_FIXTURES, CURRENT_LINEAGE, HISTORIES_DIR } from './histories';

// `npm run histories:record`: records the current lineage's replay fixtures again from scratch.
// Clears test/histories/<current lineage>/, runs every test file that records a history with
// RECORD_HISTORIES=1, and checks that each fixture of CURRENT_FIXTURES was written. Older
// lineages' folders are left alone: they are what running closes were recorded on.

const root = path.resolve(__dirname, '../..');
const dir = path.join(HISTORIES_DIR, CURRENT_LINEAGE);

function recordingTestFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return recordingTestFiles(file);
    return entry.name.endsWith('.test.ts') && fs.readFileSync(file, 'utf8').includes('maybeRecordHistory(') ? [path.relative(root, file)] : [];
  });
}

const files = recordingTestFiles(path.join(root, 'test')).sort();
fs.rmSync(dir, { recursive: true, force: true });
console.log(`Recording ${CURRENT_FIXTURES.length} histories into ${path.relative(root, dir)}/ from ${files.join(', ')}`);
const run = spawnSync('npx', ['vitest', 'run', ...files], { cwd: root, stdio: 'inherit', env: { ...process.env, RECORD_HISTORIES: '1' } });
if (run.status !== 0) {
  console.error(`The recording tests failed (exit ${run.status}): ${path.relative(root, dir)}/ is incomplete; fix them and run it again.`);
  process.exit(1);
}
const written = new Set(fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => f.replace(/\.binpb$/, '')) : []);
const missing = CURRENT_FIXTURES.filter((name) => !written.has(name));
if (missing.length > 0) {
  console.error(`Not recorded: ${missing.join(', ')} (a test that should record it did not reach maybeRecordHistory).`);
  process.exit(1);
}
console.log(`Recorded ${written.size} histories into ${path.relative(root, dir)}/.`);
