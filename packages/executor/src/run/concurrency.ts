/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the
 * order of `items`. Used wherever a run reads many store entries (resume checks,
 * `wct runs`), so a slow backend is not flooded and a fast one is not serialised.
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
