import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../infra/db';

// Server-side console sessions. The encrypted cookie carries a random session id; the row keyed
// by its SHA-256 decides whether it still counts, so a logout ends it for every copy of the
// cookie, and the idle and absolute limits are kept here rather than in what the client sends.

export const SESSION = {
  /** Absolute lifetime of a session, from login. */
  maxAgeS: 8 * 3600,
  /** A session not used for this long is over. */
  idleMs: 30 * 60_000,
};

const hashOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

/** A new session for the user; returns the id for the cookie (only its hash is stored). */
export async function openSession(db: Db, userId: number, nowMs: number): Promise<string> {
  const sessionId = randomBytes(32).toString('base64url');
  const now = new Date(nowMs);
  // Sessions past their absolute limit are of no use to anyone: cleared at each login.
  await db('console_sessions').where('created_at', '<', new Date(nowMs - SESSION.maxAgeS * 1000)).delete();
  await db('console_sessions').insert({ id_sha256: hashOf(sessionId), user_id: userId, created_at: now, seen_at: now });
  return sessionId;
}

/**
 * The user of a live session, renewing its idle timer; null when it was ended, sat idle too
 * long or passed the absolute limit. One statement: a check and its renewal cannot be split.
 */
export async function useSession(db: Db, sessionId: string, nowMs: number): Promise<number | null> {
  const rows: { user_id: string }[] = await db('console_sessions')
    .where({ id_sha256: hashOf(sessionId) })
    .whereNull('ended_at')
    .where('seen_at', '>', new Date(nowMs - SESSION.idleMs))
    .where('created_at', '>', new Date(nowMs - SESSION.maxAgeS * 1000))
    .update({ seen_at: new Date(nowMs) })
    .returning('user_id');
  return rows.length ? Number(rows[0].user_id) : null;
}

/** End a session for good (logout). Idempotent. */
export async function endSession(db: Db, sessionId: string, nowMs: number): Promise<void> {
  await db('console_sessions').where({ id_sha256: hashOf(sessionId) }).whereNull('ended_at').update({ ended_at: new Date(nowMs) });
}
