// Where a login may send the browser next: a path on this site and nothing a browser could read
// as another origin. Browsers drop tabs and newlines from URLs and read `\` as `/`, so
// `/<TAB>/evil.example` or `/\evil.example` become `//evil.example`; those, any control or
// whitespace character, and anything not starting with exactly one `/` fall back to `/`.

const MAX_NEXT_LENGTH = 2000;
const SAME_SITE_PATH = /^\/(?![/\\])[^\\\s\p{Cc}\p{Cf}]*$/u;

export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.length <= MAX_NEXT_LENGTH && SAME_SITE_PATH.test(next) ? next : '/';
}

/** The login page that comes back to `url` (a request's own path and query) afterwards. */
export function loginRedirectFor(url: string): string {
  const next = safeNext(url);
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}
