import { describe, expect, it } from 'vitest';
import { RecentlyRead } from '../../activities/recently-read';

describe('RecentlyRead', () => {
  it('reads a key once, also for readers that ask while the read is under way', async () => {
    const cache = new RecentlyRead<string>(4);
    let reads = 0;
    const read = async () => {
      reads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return 'content';
    };
    const [a, b] = await Promise.all([cache.get('invoice:1', read), cache.get('invoice:1', read)]);
    expect(await cache.get('invoice:1', read)).toBe('content');
    expect([a, b, reads]).toEqual(['content', 'content', 1]);
  });

  it('does not keep a failed read, and drops the oldest entry when full', async () => {
    const cache = new RecentlyRead<number>(2);
    await expect(cache.get('k', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 1)).toBe(1);
    await cache.get('x', async () => 2);
    await cache.get('y', async () => 3); // 'k' goes
    expect(await cache.get('k', async () => 4)).toBe(4);
    expect(await cache.get('y', async () => 5)).toBe(3);
  });

  it('forgets an entry only if it is still the read that asked', async () => {
    const cache = new RecentlyRead<number>(2);
    const first = cache.get('k', async () => 1);
    cache.forget('k');
    const second = cache.get('k', async () => 2);
    cache.forget('k', first);
    expect([await first, await second, await cache.get('k', async () => 3)]).toEqual([1, 2, 2]);
  });
});
