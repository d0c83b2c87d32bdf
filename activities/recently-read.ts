/**
 * A small cache of things that never change once written (an issued invoice's content), so the
 * deliveries that go out together read them once. Readers asking while a read is under way share
 * it; a failed read is not kept; the oldest entry goes when the cache is full.
 */
export class RecentlyRead<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly capacity: number) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    const known = this.entries.get(key);
    if (known) return known;
    const reading = read();
    this.entries.set(key, reading);
    reading.catch(() => this.forget(key, reading));
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return reading;
  }

  /** Drop the entry (only if it is still this read, when given). */
  forget(key: string, reading?: Promise<T>): void {
    if (reading === undefined || this.entries.get(key) === reading) this.entries.delete(key);
  }
}
