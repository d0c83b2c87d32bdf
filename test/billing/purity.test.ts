// The billing domain is imported by Temporal workflow code: it must stay pure and deterministic.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(__dirname, '../../billing');
const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\b/, 'Date.now'],
  [/new Date\(\s*\)/, 'new Date() without an argument'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/from\s+['"]node:|require\(|from\s+['"](fs|path|crypto|os|child_process|http|https|net)['"]/, 'a Node module'],
  [/\bprocess\./, 'process'],
  [/\bsetTimeout\b|\bsetInterval\b/, 'timers'],
  [/\bfetch\(/, 'fetch'],
  [/from\s+['"](?!\.)/, 'a package import'],
];

describe('billing/ is pure', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('has the expected modules', () => {
    expect(files).toEqual(expect.arrayContaining(['articles.ts', 'format.ts', 'index.ts', 'money.ts', 'ocr.ts', 'period.ts', 'rating.ts', 'snapshot.ts', 'types.ts']));
  });

  it.each(files)('%s uses no clock, randomness, I/O or packages', (file) => {
    const source = readFileSync(join(DIR, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    for (const [pattern, what] of FORBIDDEN) {
      expect(pattern.test(source), `${file} uses ${what}`).toBe(false);
    }
  });
});
