import type { Db } from '../infra/db';

// When a login attempt is refused before its password is looked at. Counted per e-mail address
// *and client IP*, never per account alone: a stranger's wrong guesses lock only the stranger's
// own address out, and an address without an account behaves exactly like one with an account
// (its failures count the same, the lock answers the same, after the same hash work).

export const LOGIN_LIMIT = {
  /** Failed logins for one address from one IP within the window before that pair is locked. */
  perAccount: 5,
  windowMs: 15 * 60_000,
  /**
   * Failed logins for one address from all IPs within the window above which only IPs that
   * logged in to it before (within `knownIpDays`) may try: a guessing spread over many IPs.
   */
  perAddressAllIps: 50,
  knownIpDays: 90,
  /** Login posts per IP address per minute (all accounts). */
  perIpPerMinute: 30,
};

/** Outcomes that count as a failed attempt; an unknown address counts like a wrong password. */
export const FAILED_OUTCOMES = ['bad_password', 'unknown_user', 'disabled'] as const;

/** True when this address may not be tried from this IP now. */
export async function loginLocked(db: Db, email: string, ip: string, nowMs: number): Promise<boolean> {
  const since = new Date(nowMs - LOGIN_LIMIT.windowMs);
  const [counts] = await db('console_login_attempts')
    .where('email', email)
    .whereIn('outcome', FAILED_OUTCOMES)
    .where('attempted_at', '>', since)
    .select(db.raw('count(*) filter (where ip = ?)::int as from_ip', [ip]), db.raw('count(*)::int as from_all'));
  if (counts.from_ip >= LOGIN_LIMIT.perAccount) return true;
  if (counts.from_all < LOGIN_LIMIT.perAddressAllIps) return false;
  const knownIp = await db('console_login_attempts')
    .where({ email, ip, outcome: 'ok' })
    .where('attempted_at', '>', new Date(nowMs - LOGIN_LIMIT.knownIpDays * 86_400_000))
    .first('id');
  return !knownIp;
}
