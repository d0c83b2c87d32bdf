import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';

// A camt.054 is checked against its ISO 20022 schema (copied unchanged from ../shared/iso20022
// into payments/schemas) by libxml2 compiled to WebAssembly. It runs in a worker thread, so the
// import reads and matches the file meanwhile and commits only once the schema said yes.

const SCHEMA_DIR = path.join(__dirname, 'schemas');
const schemas = new Map<string, string>();

/** Schema errors of the document ("line N: message"), at most `limit`; empty when valid. */
export async function camtSchemaErrors(xml: string, version: 'camt.054.001.02' | 'camt.054.001.08', limit = 5): Promise<string[]> {
  if (!schemas.has(version)) schemas.set(version, fs.readFileSync(path.join(SCHEMA_DIR, `${version}.xsd`), 'utf8'));
  // Pages of 64 KiB: room for the document twice plus libxml2's own, up to 4 GiB.
  const pages = Math.min(65_536, Math.max(256, Math.ceil((Buffer.byteLength(xml) * 3) / 65_536) + 256));
  const result = await validateXML({
    xml: [{ fileName: 'payments.xml', contents: xml }],
    schema: [{ fileName: `${version}.xsd`, contents: schemas.get(version)! }],
    stream: true,
    maxMemoryPages: pages,
  });
  return result.errors.slice(0, limit).map((e) => `${e.loc ? `line ${e.loc.lineNumber}: ` : ''}${e.message}`);
}
