// Validates every *.xml in a folder (default out/einvoices/, written by `month-close demo`)
// against the UBL 2.1 schema and both Peppol rule sets, and prints the time per document.
// Usage: npx tsx scripts/validate-einvoices.ts [DIR]
import fs from 'node:fs';
import path from 'node:path';
import { OUT_DIR } from '../infra/paths';
import { compiledRules, validatePeppolMany } from '../devenv/peppol-validation';

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(OUT_DIR, 'einvoices'));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
  let t = performance.now();
  await compiledRules('EN16931-UBL-validation.xslt');
  await compiledRules('PEPPOL-EN16931-UBL.xslt');
  console.log(`rules ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const results = await validatePeppolMany(files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')));
  const ms = performance.now() - t;
  const bad = results.map((r, i) => ({ file: files[i], problems: [...r.schemaErrors, ...r.fatal] })).filter((r) => r.problems.length > 0);
  for (const b of bad) console.log(`${b.file}: ${b.problems.join(' | ')}`);
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  console.log(`${files.length} documents, ${bad.length} invalid, ${warnings} warnings; ${(ms / 1000).toFixed(1)} s, ${(ms / files.length).toFixed(0)} ms per document`);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

void main();
