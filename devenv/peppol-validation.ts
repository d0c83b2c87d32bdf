import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { PROJECT_ROOT } from '../infra/paths';

// Validation of our e-invoices with the official artefacts in ../shared/peppol (see its README):
// the UBL 2.1 schema, then the CEN EN 16931 and the Peppol BIS 3.0 rules (XSLT → SVRL).
// The rules are compiled once per machine and rules version: a .sef.json in a cache folder
// keyed by the XSLT file's SHA-256, so the large stylesheets are never compiled per document.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SaxonJS = require('saxon-js') as { transform(opts: object): { principalResult: string } };

export const PEPPOL_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'peppol');
const RULES = ['EN16931-UBL-validation.xslt', 'PEPPOL-EN16931-UBL.xslt'] as const;
const CACHE_DIR = path.join(os.tmpdir(), 'month-close-peppol-sef');

export interface ValidationResult {
  schemaErrors: string[];
  /** Failed asserts with flag="fatal", as "RULE-ID: text". */
  fatal: string[];
  warnings: string[];
  ms: number;
}

/** The compiled rule file for an XSLT, compiling it once (other processes wait for it). */
export async function compiledRules(xslt: string): Promise<string> {
  const source = path.join(PEPPOL_DIR, 'rules', xslt);
  const hash = createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 16);
  const sef = path.join(CACHE_DIR, `${path.basename(xslt, '.xslt')}-${hash}.sef.json`);
  if (fs.existsSync(sef)) return sef;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const lock = `${sef}.lock`;
  try {
    fs.mkdirSync(lock);
  } catch {
    // Another test process compiles it: wait for its result (or a lock left by a dead one).
    await compiledElsewhere(sef, lock, xslt);
    if (fs.existsSync(sef)) return sef;
    fs.rmSync(lock, { recursive: true, force: true });
    return compiledRules(xslt);
  }
  try {
    const tmp = `${sef}.${process.pid}.tmp`;
    const xslt3 = require.resolve('xslt3/xslt3.js');
    execFileSync(process.execPath, [xslt3, `-xsl:${source}`, `-export:${tmp}`, '-nogo'], { stdio: 'pipe' });
    fs.renameSync(tmp, sef);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return sef;
}

/** Waits until another process has compiled the rules, or its lock is gone or stale (a dead process). */
async function compiledElsewhere(sef: string, lock: string, xslt: string): Promise<void> {
  const deadline = Date.now() + 150_000;
  const lockStale = () => { try { return Date.now() - fs.statSync(lock).mtimeMs > 120_000; } catch { return true; } };
  while (!fs.existsSync(sef) && !lockStale()) {
    if (Date.now() > deadline) throw new Error(`timed out after 150000 ms waiting for ${xslt} compiled by another process`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Parsed once per process: reading the large .sef.json per document would dominate the time.
const loaded = new Map<string, object>();
async function loadedRules(xslt: string): Promise<object> {
  if (!loaded.has(xslt)) loaded.set(xslt, JSON.parse(fs.readFileSync(await compiledRules(xslt), 'utf8')));
  return loaded.get(xslt)!;
}

let schemaFiles: { fileName: string; contents: string }[] | undefined;
function ublSchemas() {
  schemaFiles ??= ['maindoc', 'common'].flatMap((dir) =>
    fs
      .readdirSync(path.join(PEPPOL_DIR, 'ubl-2.1', dir))
      .filter((f) => f.endsWith('.xsd'))
      .map((f) => ({ fileName: `${dir}/${f}`, contents: fs.readFileSync(path.join(PEPPOL_DIR, 'ubl-2.1', dir, f), 'utf8') })),
  );
  return schemaFiles;
}

/** Schema errors per document; one xmllint run for many documents of one type (it starts slowly). */
async function schemaErrorsOf(xmls: string[], root: 'Invoice' | 'CreditNote'): Promise<string[][]> {
  const files = ublSchemas();
  const main = files.find((f) => f.fileName === `maindoc/UBL-${root}-2.1.xsd`)!;
  const names = xmls.map((_, i) => `document-${i}.xml`);
  const result = await validateXML({ xml: xmls.map((contents, i) => ({ fileName: names[i], contents })), schema: [main], preload: files.filter((f) => f !== main) });
  return names.map((name) => result.errors.filter((e) => e.loc?.fileName === name).map((e) => e.rawMessage));
}

export function rootOf(xml: string): 'Invoice' | 'CreditNote' {
  return /<CreditNote\b/.test(xml) ? 'CreditNote' : 'Invoice';
}

export async function validatePeppol(xml: string): Promise<ValidationResult> {
  return (await validatePeppolMany([xml]))[0];
}

/** Each document against the schema (batched) and both rule sets; `ms` is the document's share. */
export async function validatePeppolMany(xmls: string[]): Promise<ValidationResult[]> {
  const started = performance.now();
  const schemaErrors: string[][] = new Array(xmls.length);
  for (const root of ['Invoice', 'CreditNote'] as const) {
    const idx = xmls.map((x, i) => (rootOf(x) === root ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const errs = await schemaErrorsOf(idx.map((i) => xmls[i]), root);
    idx.forEach((i, k) => (schemaErrors[i] = errs[k]));
  }
  const results: ValidationResult[] = [];
  for (const [i, xml] of xmls.entries()) results.push({ ...(await ruleFailures(xml)), schemaErrors: schemaErrors[i], ms: 0 });
  const total = performance.now() - started;
  for (const r of results) r.ms = total / xmls.length;
  return results;
}

async function ruleFailures(xml: string): Promise<{ fatal: string[]; warnings: string[] }> {
  const fatal: string[] = [];
  const warnings: string[] = [];
  for (const rules of RULES) {
    let svrl: string;
    try {
      svrl = SaxonJS.transform({ stylesheetInternal: await loadedRules(rules), sourceText: xml, destination: 'serialized' }).principalResult;
    } catch (err) {
      fatal.push(`not well-formed XML: ${(err as Error).message}`);
      break;
    }
    for (const m of svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
      const id = /\bid="([^"]*)"/.exec(m[1])?.[1] ?? '?';
      const flag = /\bflag="([^"]*)"/.exec(m[1])?.[1] ?? 'fatal';
      const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(m[2])?.[1].trim() ?? '';
      (flag === 'fatal' ? fatal : warnings).push(`${id}: ${text}`);
    }
  }
  return { fatal, warnings };
}
