import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_OUT_DIR, OUT_DIR } from '../infra/paths';

// The demo empties its out dir at every start. The checkout's own out/ is the demo's; a folder
// named by MONTH_CLOSE_OUT_DIR is emptied only when it is new, empty or a previous demo's (it
// holds the marker below), so a mistyped variable cannot wipe someone's files.

const MARKER = '.month-close-demo';

/** Why the demo must not empty OUT_DIR, or null when it may. */
export function outDirRefusal(): string | null {
  if (OUT_DIR === DEFAULT_OUT_DIR || !fs.existsSync(OUT_DIR)) return null;
  if (!fs.statSync(OUT_DIR).isDirectory()) return `MONTH_CLOSE_OUT_DIR=${OUT_DIR}: not a folder; name a new or empty folder for the demo's files`;
  const entries = fs.readdirSync(OUT_DIR);
  if (entries.length === 0 || entries.includes(MARKER)) return null;
  return `MONTH_CLOSE_OUT_DIR=${OUT_DIR}: the folder has files of something other than the demo, which empties it at start; name a new or empty folder`;
}

/** Marks OUT_DIR as the demo's, so the next run may empty it again. */
export function markOutDir(): void {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, MARKER), 'Written by month-close demo, which empties this folder at every start.\n');
}

/** A path as the demo's messages show it: relative to the working directory when under it, else absolute. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** A folder under OUT_DIR as the messages show it, e.g. 'out/invoices/'. */
export function shownOut(...parts: string[]): string {
  return `${shownPath(path.join(OUT_DIR, ...parts))}/`;
}
