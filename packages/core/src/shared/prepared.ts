import type { Database } from '@statuspage/db';

// Drizzle builds a statement's SQL from its query builder on every call, and for a join of two
// tables that costs several times the round trip (bench/uncached-reads.mts). The hot reads are
// built once per database handle as prepared queries (placeholders for their values) instead.
const byHandle = new WeakMap<object, Map<string, unknown>>();

/**
 * The prepared query `name`, built by `build` the first time it is asked for on this handle. On a
 * transaction (a new handle each time) it is built for that transaction: correct, just not cached
 * across calls.
 */
export function preparedQuery<T>(db: Database, name: string, build: (db: Database) => T): T {
  let queries = byHandle.get(db);
  if (!queries) {
    queries = new Map();
    byHandle.set(db, queries);
  }
  let query = queries.get(name) as T | undefined;
  if (query === undefined) {
    query = build(db);
    queries.set(name, query);
  }
  return query;
}
