/**
 * The audit log's retention, by the real worker: a `prune_audit` job on the maintenance queue
 * (what its hourly scheduler adds) deletes the entries older than AUDIT_RETENTION and keeps the
 * rest; the scheduler itself is registered at start.
 */
import { randomUUID } from 'node:crypto';
import { type MaintenanceJob, queueNames } from '@statuspage/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pruneAuditLog } from '../src/audit/prune';
import { useWorkerFixture } from './support/fixture';
import { waitFor, workerPrefix } from './support/harness';

const f = useWorkerFixture({ name: 'audit', env: { AUDIT_RETENTION: '30d' } });
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue(queueNames.maintenance, { connection: redis, prefix: await workerPrefix(f.prefix) });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
});

/** An entry about a target of its own, `daysAgo` old. */
async function entry(target: string, daysAgo: number) {
  await f.t.sql`
    insert into audit_entries (at, actor_type, action, target_type, target_id, changes)
    values (now() - make_interval(days => ${daysAgo}), 'system', 'update', 'service', ${target}, '{}'::jsonb)`;
}
async function ages(targets: string[]) {
  const rows = await f.t.sql<{ target_id: string }[]>`
    select target_id from audit_entries where target_id = any(${targets}) order by target_id`;
  return rows.map((row) => row.target_id);
}

describe('audit retention', () => {
  it('the worker registers the hourly prune at start', async () => {
    await f.worker.started;
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.find((scheduler) => scheduler.key === 'prune-audit')).toMatchObject({
      name: 'prune_audit',
      every: 3_600_000,
    });
  });

  it('a prune job deletes the entries past AUDIT_RETENTION, and only those', async () => {
    await f.worker.started;
    const [old, older, recent] = [`old-${randomUUID()}`, `older-${randomUUID()}`, `recent-${randomUUID()}`];
    await entry(old, 31);
    await entry(older, 400);
    await entry(recent, 29);
    await queue.add('prune_audit', { action: 'prune_audit' } satisfies MaintenanceJob);
    await waitFor('old entries deleted', async () => (await ages([old, older])).length === 0);
    expect(await ages([old, older, recent])).toEqual([recent]);
  });

  it('keeps every entry with a retention of 0', async () => {
    const target = `kept-${randomUUID()}`;
    await entry(target, 4000);
    expect(await pruneAuditLog(f.t.db, 0, pino({ level: 'silent' }))).toBe(0);
    expect(await ages([target])).toEqual([target]);
  });
});
