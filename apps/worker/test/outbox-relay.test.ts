import { jobPriorities, queueNames } from '@statuspage/contracts';
import { createDb, type DbClient, outbox } from '@statuspage/db';
import { Queue } from 'bullmq';
import { eq, inArray, isNull } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOutboxRelay } from '../src/outbox/relay';

const logger = pino({ level: 'silent' });
let client: DbClient;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  client = await createDb({ url: inject('databaseUrl'), poolSize: 4 });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  // A queue without workers: what the relay adds stays there to be looked at.
  queue = new Queue(queueNames.outbox, { connection: redis, prefix: `${inject('queuePrefix')}-relay` });
  // Rows other files left behind are not this file's to count.
  await client.db.update(outbox).set({ dispatchedAt: new Date() }).where(isNull(outbox.dispatchedAt));
});

afterEach(async () => {
  await queue.obliterate({ force: true });
  // Nothing relayed here may reach another file's worker, nor its repair.
  await client.db.update(outbox).set({ dispatchedAt: new Date(), processedAt: new Date() });
});

afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await client.close();
});

async function insertRows(count: number) {
  const rows = await client.db
    .insert(outbox)
    .values(
      Array.from({ length: count }, (_, index) => ({
        kind: 'notification.fanout',
        payload: { message_id: 1_000_000 + index },
      })),
    )
    .returning({ id: outbox.id });
  return rows.map((row) => row.id);
}

async function uidOf(id: number) {
  const [row] = await client.db.select({ uid: outbox.uid }).from(outbox).where(eq(outbox.id, id));
  if (!row) throw new Error(`no outbox row ${id}`);
  return row.uid;
}

async function undispatched(ids: number[]) {
  const rows = await client.db
    .select({ id: outbox.id, dispatchedAt: outbox.dispatchedAt })
    .from(outbox)
    .where(inArray(outbox.id, ids));
  return rows.filter((row) => row.dispatchedAt === null).length;
}

describe('outbox relay', () => {
  it('enqueues each row with its uid as job id, marks it dispatched, and enqueues it once when relayed again', async () => {
    const relay = createOutboxRelay({ db: client.db, queue, redis, logger, pollIntervalMs: 50 });
    const [fanout] = await insertRows(1);
    const [reset] = await client.db
      .insert(outbox)
      .values({
        kind: 'email.password_reset',
        payload: {
          user_id: '00000000-0000-4000-8000-000000000001',
          email: 'someone@example.test',
          first_name: 'Some',
          token: 'secret-token',
          expires_at: new Date().toISOString(),
        },
      })
      .returning({ id: outbox.id });
    const ids = [fanout ?? 0, reset?.id ?? 0];

    expect(await relay.relayOnce()).toBe(2);
    expect(await undispatched(ids)).toBe(0);
    const fanoutUid = await uidOf(fanout ?? 0);
    const fanoutJob = await queue.getJob(`outbox-${fanoutUid}`);
    expect(fanoutJob?.name).toBe('notification.fanout');
    expect(fanoutJob?.data).toEqual({
      outbox_id: fanout,
      outbox_uid: fanoutUid,
      kind: 'notification.fanout',
      payload: { message_id: 1_000_000 },
    });
    expect(fanoutJob?.opts.priority).toBe(jobPriorities.normal);
    expect((await queue.getJob(`outbox-${await uidOf(reset?.id ?? 0)}`))?.opts.priority).toBe(jobPriorities.high);

    // As if the commit after the enqueue had been lost: the rows come round again.
    await client.db.update(outbox).set({ dispatchedAt: null }).where(inArray(outbox.id, ids));
    expect(await relay.relayOnce()).toBe(2);
    expect(await queue.count()).toBe(2);
    expect(await undispatched(ids)).toBe(0);
  });

  it('leaves the rows undispatched when enqueueing fails', async () => {
    const failing = { addBulk: () => Promise.reject(new Error('Redis went away')) } as unknown as Queue;
    const relay = createOutboxRelay({ db: client.db, queue: failing, redis, logger, pollIntervalMs: 50 });
    const ids = await insertRows(3);
    await expect(relay.relayOnce()).rejects.toThrow('Redis went away');
    expect(await undispatched(ids)).toBe(3);

    // A Redis that never answers is given up on after the enqueue timeout, with the same result.
    const hanging = { addBulk: () => new Promise(() => {}) } as unknown as Queue;
    const slow = createOutboxRelay({
      db: client.db,
      queue: hanging,
      redis,
      logger,
      pollIntervalMs: 50,
      enqueueTimeoutMs: 200,
    });
    await expect(slow.relayOnce()).rejects.toThrow('enqueueing took longer than 200 ms');
    expect(await undispatched(ids)).toBe(3);
  });

  it('shares the rows between relays running at once: each row is enqueued once', async () => {
    const ids = await insertRows(600);
    const second = await createDb({ url: inject('databaseUrl'), poolSize: 2 });
    try {
      const relays = [client.db, second.db].map((db) =>
        createOutboxRelay({ db, queue, redis, logger, pollIntervalMs: 10, batchSize: 50 }),
      );
      const counts = await Promise.all(
        relays.map(async (relay) => {
          let total = 0;
          for (let relayed = await relay.relayOnce(); relayed > 0; relayed = await relay.relayOnce()) total += relayed;
          return total;
        }),
      );
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBeGreaterThan(0);
      expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(600);
      expect(await queue.count()).toBe(600);
      expect(await undispatched(ids)).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('picks up rows written while it runs, within its poll interval', async () => {
    const relay = createOutboxRelay({ db: client.db, queue, redis, logger, pollIntervalMs: 50 });
    relay.start();
    try {
      const [id] = await insertRows(1);
      const started = Date.now();
      while ((await undispatched([id ?? 0])) > 0) {
        if (Date.now() - started > 5000) throw new Error('not relayed');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await queue.getJob(`outbox-${await uidOf(id ?? 0)}`)).toBeDefined();
    } finally {
      await relay.stop();
    }
  });

  it('never marks a row dispatched when Redis holds its job id for another row: logs, counts, and relays it under a new id', async () => {
    const lines: string[] = [];
    const loud = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const conflicts: { queue: string; count: number }[] = [];
    const relay = createOutboxRelay({
      db: client.db,
      queue,
      redis,
      logger: loud,
      pollIntervalMs: 50,
      observe: { jobIdConflicts: (queueName, count) => conflicts.push({ queue: queueName, count }) },
    });
    const [id] = await insertRows(1);
    const uid = await uidOf(id ?? 0);
    // Keys another database left: a finished job under this row's id, about another row.
    await queue.add(
      'notification.fanout',
      { outbox_id: 999_999, outbox_uid: uid, kind: 'notification.fanout', payload: { message_id: 7 } },
      { jobId: `outbox-${uid}` },
    );

    expect(await relay.relayOnce()).toBe(0);
    expect(await undispatched([id ?? 0])).toBe(1);
    expect(conflicts).toEqual([{ queue: queueNames.outbox, count: 1 }]);
    expect(lines.join('')).toContain('not dispatched');
    const renamed = await uidOf(id ?? 0);
    expect(renamed).not.toBe(uid);

    // The next batch enqueues it under its new id, with its own data.
    expect(await relay.relayOnce()).toBe(1);
    expect(await undispatched([id ?? 0])).toBe(0);
    expect((await queue.getJob(`outbox-${renamed}`))?.data).toMatchObject({ outbox_id: id, outbox_uid: renamed });
    expect((await queue.getJob(`outbox-${uid}`))?.data).toMatchObject({ outbox_id: 999_999 });
    expect(conflicts).toHaveLength(1);
  });
});
