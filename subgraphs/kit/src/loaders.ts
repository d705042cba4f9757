import DataLoader from 'dataloader';

/**
 * A request-scoped DataLoader that fetches many rows by key in ONE query and returns them in
 * key order (null for missing keys), so entity lists resolve without N+1 queries.
 * @param fetch loads all rows whose key is in `keys`.
 * @param keyOf the key of a row.
 */
export function batchByKey<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** Like {@link batchByKey} but each key maps to a list (e.g. rentals of a user). */
export function batchGroupByKey<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, V[]>();
    for (const r of rows) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
    return keys.map((k) => groups.get(k) ?? []);
  });
}
