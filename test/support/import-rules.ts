// The import directions between the top-level folders ("rooms"), read from the source as text:
// which room may import which, and which only for types (erased when compiled, so they carry
// no code and no I/O across). test/billing/architecture.test.ts applies them to the tree.
import fs from 'node:fs';
import path from 'node:path';

export interface Import {
  /** The importing file, relative to the project root. */
  from: string;
  /** The imported file or folder, relative to the project root, without extension. */
  to: string;
  typeOnly: boolean;
  line: number;
}

export interface Room {
  /** Rooms whose code it may import. */
  imports: readonly string[];
  /** Rooms it may import types from, and nothing else. */
  types?: readonly string[];
  why: string;
}

export type Rooms = Record<string, Room>;

/** The room a path is in: its first folder. */
export function roomOf(file: string): string {
  return file.split('/')[0];
}

// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')`, `require('…')`.
const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The relative imports of one source file (package imports are not ours and are left out). */
export function importsOf(file: string, source: string): Import[] {
  const found: Import[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[4] ?? m[5] ?? m[6];
    if (!spec.startsWith('.')) continue;
    const names = m[3] ?? '';
    // `import { type A, type B }` is erased like `import type { A, B }`.
    const allTypes = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'));
    found.push({
      from: file,
      to: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)),
      typeOnly: Boolean(m[2]) || (m[1] === 'import' && names !== '' && allTypes),
      line: source.slice(0, m.index).split('\n').length,
    });
  }
  return found;
}

/** Every import that crosses rooms against the rules, as a sentence naming file, line and reason. */
export function violations(imports: readonly Import[], rooms: Rooms): string[] {
  const out: string[] = [];
  for (const i of imports) {
    const from = roomOf(i.from);
    const to = roomOf(i.to);
    if (from === to) continue;
    const room = rooms[from];
    if (!room) {
      out.push(`${i.from}:${i.line}: folder ${from}/ has no rule: add it to the rooms in test/billing/architecture.test.ts`);
      continue;
    }
    if (room.imports.includes(to)) continue;
    if (room.types?.includes(to)) {
      if (!i.typeOnly) out.push(`${i.from}:${i.line} imports code from ${i.to}: ${from}/ may import only types from ${to}/ (${room.why})`);
      continue;
    }
    out.push(`${i.from}:${i.line} imports ${i.to}: ${from}/ may not import ${to}/ (${room.why})`);
  }
  return out;
}

const SKIPPED = new Set(['node_modules', '.git', '.tools', '.data', 'out', 'dist']);

/** The TypeScript files below the root's folders (files at the root, e.g. configs, are left out). */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name) || entry.isSymbolicLink()) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (dir && /\.m?ts$/.test(entry.name)) files.push(rel);
    }
  };
  walk('');
  return files.sort();
}
