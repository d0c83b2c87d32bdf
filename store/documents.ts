import { createHash } from 'node:crypto';
import type { Db } from '../infra/db';

/** Content-addressed storage: the same bytes are stored once, under their SHA-256. */
export async function putDocument(db: Db, doc: { content: Buffer; contentType: string; fileName: string }): Promise<string> {
  const sha256 = createHash('sha256').update(doc.content).digest('hex');
  await db('documents')
    .insert({ sha256, content: doc.content, content_type: doc.contentType, file_name: doc.fileName, size_bytes: doc.content.length })
    .onConflict('sha256')
    .ignore();
  return sha256;
}

export async function getDocument(db: Db, sha256: string): Promise<{ content: Buffer; fileName: string; contentType: string } | null> {
  const row = await db('documents').where({ sha256 }).first();
  return row ? { content: row.content as Buffer, fileName: row.file_name, contentType: row.content_type } : null;
}
