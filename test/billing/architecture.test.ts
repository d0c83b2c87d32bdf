// Which folder may import which: the architecture as the code has it, checked on every run.
// Beside purity.test.ts, which keeps billing/ itself free of clocks and I/O.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, roomOf, sourceFiles, violations, type Import, type Rooms } from '../support/import-rules';

const ROOT = join(__dirname, '../..');
const EVERYTHING_BUT_TEST = ['activities', 'billing', 'books', 'client', 'cli', 'contracts', 'demo', 'devenv', 'imports', 'infra', 'migrations', 'notify', 'payments', 'pdf', 'peppol', 'store', 'web', 'worker', 'workflows'];

const ROOMS: Rooms = {
  contracts: { imports: [], why: 'the messages, ids, failure types and step names every layer shares depend on nothing of ours' },
  billing: { imports: [], types: ['contracts'], why: 'the pure rules, run inside workflows: they may name a shared contract, never call code with I/O' },
  migrations: { imports: [], why: 'a schema change stands alone' },
  notify: { imports: [], types: ['contracts'], why: 'one delivery attempt knows nothing of closes; it names the failure shape the console reads' },
  payments: { imports: ['billing'], types: ['books'], why: 'bank files read and written, reminder texts and what a payment books: pure, no database' },
  pdf: { imports: ['billing', 'payments'], why: 'renders a document value' },
  peppol: { imports: ['billing', 'pdf'], why: 'writes the same document value as UBL, without storing it' },
  infra: { imports: ['billing', 'contracts', 'migrations'], why: 'configuration, database, logging and the namespace serve every layer above them' },
  imports: { imports: ['billing', 'infra'], why: 'the CSV imports write master data and usage' },
  store: { imports: ['billing', 'contracts', 'infra', 'payments', 'pdf', 'peppol'], why: 'queries; it never starts workflows or runs activities' },
  activities: {
    imports: ['billing', 'contracts', 'infra', 'notify', 'payments', 'pdf', 'peppol', 'store'],
    why: 'side effects of a close; the Temporal client reaches them only through the port createActivities(deps) is given',
  },
  workflows: {
    imports: ['billing', 'contracts'],
    // proxyActivities<Activities>() needs the activities' signatures; the bundle gets no activity code.
    types: ['activities'],
    why: 'deterministic workflow code: no I/O, so only the pure rules, the contracts and the types of the activities it calls',
  },
  books: { imports: ['billing', 'contracts', 'infra', 'payments', 'store'], why: 'the close report, the period lock and the SIE export, read from the ledger in store/' },
  client: {
    imports: ['billing', 'contracts', 'infra'],
    // client.workflow.start<typeof customerClose>() checks the arguments against the workflow's signature.
    types: ['workflows'],
    why: 'starts and signals workflows; what it reads of the database is passed in (store/)',
  },
  worker: { imports: ['activities', 'client', 'contracts', 'infra', 'notify', 'workflows'], why: 'wires activities (with their client port) and workflows into a worker' },
  web: { imports: ['billing', 'books', 'client', 'contracts', 'infra', 'payments', 'store'], why: 'the console reads through store/ and acts through client/, never through activities (payments/ only for its pure Swedish texts)' },
  cli: { imports: ['billing', 'books', 'client', 'contracts', 'demo', 'devenv', 'imports', 'infra', 'notify', 'payments', 'store', 'web', 'worker'], why: 'the entry point; it runs no activity itself' },
  devenv: { imports: ['client', 'contracts', 'infra', 'notify', 'worker'], why: 'the local environment (embedded services, catchers, a worker) for dev, demo, bench, drill and tests' },
  demo: { imports: ['billing', 'books', 'client', 'contracts', 'devenv', 'imports', 'infra', 'payments', 'pdf', 'store', 'web'], why: 'drives the product as a user would' },
  bench: { imports: EVERYTHING_BUT_TEST, why: 'measures any part, but shares nothing with the tests' },
  scripts: { imports: EVERYTHING_BUT_TEST, why: 'drills and checks run by hand share nothing with the tests' },
  test: { imports: [...EVERYTHING_BUT_TEST, 'bench', 'scripts'], why: 'tests may look at everything' },
};

function treeImports(): Import[] {
  return sourceFiles(ROOT).flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));
}

describe('the import directions between folders', () => {
  const imports = treeImports();

  it('reads the imports of the tree', () => {
    expect(imports.filter((i) => i.from === 'workflows/customer-close.ts').map((i) => roomOf(i.to))).toContain('contracts');
    expect(imports.filter((i) => i.from === 'client/close.ts' && i.to === 'workflows')).toEqual([expect.objectContaining({ typeOnly: true })]);
    expect(imports.length).toBeGreaterThan(500);
  });

  it('every import follows the rules', () => {
    expect(violations(imports, ROOMS)).toEqual([]);
  });

  it('nothing outside test/ imports test/', () => {
    expect(imports.filter((i) => roomOf(i.to) === 'test' && roomOf(i.from) !== 'test').map((i) => `${i.from}:${i.line}`)).toEqual([]);
  });
});

describe('the checker', () => {
  const check = (file: string, source: string) => violations(importsOf(file, source), ROOMS);

  it('refuses an activity that imports client/', () => {
    expect(check('activities/drafts.ts', "import { approveAllWaiting } from '../client/drafts';\n")).toEqual([
      expect.stringMatching(/^activities\/drafts\.ts:1 imports client\/drafts: activities\/ may not import client\//),
    ]);
  });

  it('refuses workflows that import store/, naming the line', () => {
    expect(check('workflows/customer-close.ts', "import { x } from './draft-review';\nimport type { IssuedInvoice } from '../store/invoices';\n")).toEqual([
      expect.stringMatching(/^workflows\/customer-close\.ts:2 imports store\/invoices: workflows\/ may not import store\//),
    ]);
  });

  it('refuses code where only types may cross, and lets the types through', () => {
    expect(check('workflows/stubs.ts', "import type { Activities } from '../activities';\nimport { createActivities } from '../activities';\n")).toEqual([
      expect.stringMatching(/^workflows\/stubs\.ts:2 imports code from activities: workflows\/ may import only types from activities\//),
    ]);
    expect(check('client/close.ts', "import { type customerClose, type monthlyClose } from '../workflows';\n")).toEqual([]);
  });

  it('refuses a contract that imports anything of ours, even a type', () => {
    expect(check('contracts/credit-messages.ts', "import type { Article } from '../billing/types';\n")).toHaveLength(1);
  });

  it('refuses production code that imports test/, a dynamic import too', () => {
    expect(check('bench/on-their-own.ts', "const { finalInvoice } = await import('../test/pdf/fixtures');\n")).toEqual([
      expect.stringMatching(/^bench\/on-their-own\.ts:1 imports test\/pdf\/fixtures: bench\/ may not import test\//),
    ]);
  });

  it('refuses a folder without a rule', () => {
    expect(check('reports/ledger.ts', "import { db } from '../infra/db';\n")).toEqual([expect.stringContaining('folder reports/ has no rule')]);
  });

  it('leaves package imports and imports within a folder alone', () => {
    expect(check('contracts/close-messages.ts', "import { defineSignal } from '@temporalio/workflow';\nimport { Failure } from './failures';\n")).toEqual([]);
  });
});
