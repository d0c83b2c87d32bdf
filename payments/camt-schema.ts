import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// A camt.054 is checked against its ISO 20022 schema (copied unchanged from ../shared/iso20022
// into payments/schemas) by libxml2 compiled to WebAssembly (xmllint-wasm), streaming, in a
// worker thread, so the import reads and matches the file meanwhile and commits only once the
// schema said yes.
//
// The file is never copied for it: the worker gets the bytes as a SharedArrayBuffer and hands
// libxml2's in-memory file system a view of them. (xmllint-wasm's own validateXML would clone the
// document into the worker, encode it once more and copy it into its file system: three copies
// of a 30 MB file, most of the import's peak memory at 100,000 payments.)

const SCHEMA_DIR = path.join(__dirname, 'schemas');
const XMLLINT = require.resolve('xmllint-wasm/xmllint-node.js');

export type CamtVersion = 'camt.054.001.02' | 'camt.054.001.08';

// Runs in the worker. Requiring xmllint-node.js also registers that file's own message listener,
// which ignores every message not tagged as its own: ours are not.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Module = require(workerData.xmllint);
// Emscripten's file system copies a new file's bytes with slice(); a view of the shared bytes
// is all libxml2 needs, since it only reads them.
class SharedView extends Uint8Array {
  slice(from, to) { return this.subarray(from, to); }
}
const { shared, schemaName, schema, limit } = workerData;
const errors = [];
let more = 0;
Module({
  inputFiles: [
    { fileName: 'payments.xml', contents: new SharedView(shared.buffer, shared.byteOffset, shared.byteLength) },
    { fileName: schemaName, contents: schema },
  ],
  arguments: ['--schema', schemaName, '--noout', '--stream', 'payments.xml'],
  print() {},
  printErr(line) {
    if (/ (validates|fails to validate)$/.test(line) || line.trim() === '') return;
    if (errors.length < limit) errors.push(line);
    else more += 1;
  },
  onExit(code) { parentPort.postMessage({ code, errors, more }); },
  onAbort(reason) { parentPort.postMessage({ code: -1, errors: ['libxml2 stopped: ' + reason], more: 0 }); },
  wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 16384 }),
}).catch((err) => parentPort.postMessage({ code: -1, errors: [String(err && err.message || err)], more: 0 }));
`;

const schemas = new Map<CamtVersion, string>();

/** The bytes in shared memory: as they are when already shared, else one copy. */
export function sharedBytes(doc: string | Uint8Array): Uint8Array {
  if (typeof doc !== 'string' && doc.buffer instanceof SharedArrayBuffer) return doc;
  const size = typeof doc === 'string' ? Buffer.byteLength(doc) : doc.byteLength;
  const out = Buffer.from(new SharedArrayBuffer(size));
  if (typeof doc === 'string') out.write(doc);
  else out.set(doc);
  return out;
}

/** Schema errors of the document ("line N: message"), at most `limit`; empty when valid. */
export async function camtSchemaErrors(doc: string | Uint8Array, version: CamtVersion, limit = 5): Promise<string[]> {
  if (!schemas.has(version)) schemas.set(version, fs.readFileSync(path.join(SCHEMA_DIR, `${version}.xsd`), 'utf8'));
  const bytes = sharedBytes(doc);
  // The worker's view covers exactly the document, also when it is a slice of a larger buffer.
  const shared = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { xmllint: XMLLINT, shared, schemaName: `${version}.xsd`, schema: schemas.get(version)!, limit },
  });
  try {
    const result = await new Promise<{ code: number; errors: string[]; more: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the schema check's worker ended (exit ${code}) without an answer`)));
    });
    if (result.code === 0) return [];
    if (result.code !== 3 && result.code !== 4) throw new Error(`the schema check failed (xmllint exit ${result.code}): ${result.errors.join('; ')}`);
    return result.errors.map((line) => {
      // "payments.xml:12: element Foo: Schemas validity error : …"
      const m = /^payments\.xml:(\d+): (.*)$/s.exec(line);
      return m ? `line ${m[1]}: ${m[2].trim()}` : line;
    });
  } finally {
    await worker.terminate();
  }
}
