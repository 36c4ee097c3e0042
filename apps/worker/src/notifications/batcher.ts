/**
 * Coalesces calls made in the same turn of the event loop into one batch:
 * each caller gets its own result, and the batch is one round trip. Deliveries
 * run concurrently; without this each would pay its own query (a socket write
 * and a commit), which was the larger part of a delivery's cost.
 */
export function createBatcher<I, O>(handle: (items: I[]) => Promise<O[]>, maxSize = 100) {
  let pending: { item: I; resolve(value: O): void; reject(error: unknown): void }[] = [];
  let scheduled = false;

  async function flush() {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      const results = await handle(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => {
        entry.resolve(results[index] as O);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxSize) void flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
