import { isNull, sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import type { DbClient } from './client';
import { outbox } from './schema';

/**
 * The database's metrics, the same in every process that has a database:
 * the outbox backlog and the age of its oldest undispatched row (one query
 * per scrape, shared by both gauges), and — on PostgreSQL — this process's
 * pool. Register them once the process has its database: before that there
 * is nothing to report (an unlabelled gauge would say 0).
 */
export function registerDatabaseMetrics(registry: Registry, client: DbClient) {
  let outboxReading: Promise<{ backlog: number; oldest: number }> | undefined;
  const readOutbox = () => {
    outboxReading ??= client.db
      .select({
        backlog: sql<number>`count(*)::int`,
        oldest: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
      })
      .from(outbox)
      .where(isNull(outbox.dispatchedAt))
      .then((rows) => ({ backlog: Number(rows[0]?.backlog ?? 0), oldest: Number(rows[0]?.oldest ?? 0) }))
      .finally(() => {
        outboxReading = undefined;
      });
    return outboxReading;
  };
  new Gauge({
    name: 'outbox_backlog',
    help: 'Outbox rows not yet dispatched to the queues.',
    registers: [registry],
    async collect() {
      this.set((await readOutbox()).backlog);
    },
  });
  new Gauge({
    name: 'outbox_oldest_undispatched_age_seconds',
    help: 'Age of the oldest undispatched outbox row (0 when there is none).',
    registers: [registry],
    async collect() {
      this.set((await readOutbox()).oldest);
    },
  });

  // PGlite has no pool.
  if (client.driver !== 'postgres') return;
  let poolReading: ReturnType<DbClient['poolStats']> | undefined;
  const readPool = () => {
    poolReading ??= client.poolStats().finally(() => {
      poolReading = undefined;
    });
    return poolReading;
  };
  new Gauge({
    name: 'db_pool_connections',
    help: "This process's PostgreSQL connections by state: in_use (running a query or a transaction) and idle.",
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const stats = await readPool();
      if (!stats) return;
      this.set({ state: 'in_use' }, stats.inUse);
      this.set({ state: 'idle' }, stats.idle);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: "The size of this process's PostgreSQL pool (DATABASE_POOL_SIZE).",
    registers: [registry],
    async collect() {
      const stats = await readPool();
      if (stats) this.set(stats.max);
    },
  });
}
