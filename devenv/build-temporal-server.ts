// `npm run engine:build`: make sure the pinned Temporal server and SQL tool are there (built
// with `go install` into .tools-server/ when nothing else provides them), and say which.
import { resolveTemporalServer, schemaDir } from './temporal-server';

const bins = resolveTemporalServer();
process.stdout.write(`temporal server:   ${bins.server} (${bins.source})\ntemporal sql tool: ${bins.sql}\nschemas:           ${schemaDir()}\n`);
