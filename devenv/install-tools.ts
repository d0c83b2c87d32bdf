// `npm run setup`: make sure the pinned Temporal binaries are there (dev server and the
// time-skipping test server), installing them into .tools/ when nothing else provides them.
import { resolveTemporalCli, resolveTestServer } from './temporal-cli';

const cli = resolveTemporalCli();
const testServer = resolveTestServer();
process.stdout.write(`temporal CLI:         ${cli ? `${cli.path} (${cli.source})` : 'MISSING: the SDK will try to download it (needs internet)'}\n`);
process.stdout.write(`temporal test server: ${testServer ? `${testServer.path} (${testServer.source})` : 'MISSING: the SDK will try to download it (needs internet)'}\n`);
