/**
 * "Every notification exactly once" where PostgreSQL and Redis disagree, on
 * purpose: databases that start their ids again on a Redis that still holds
 * the old jobs, two installations on one Redis and one prefix, and Redis
 * losing everything between the relay, the fan-out and the delivery. Each
 * test has databases of its own (created and migrated here) so that its
 * worker's repair sees only its rows.
 */
import { AdminUpdateUserInput, queueNames } from '@statuspage/contracts';
import { createTestDatabase } from '@statuspage/db/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningWorker } from '../src/worker';
import {
  accountLessOf,
  bulkSubscribers,
  createService,
  createTestCore,
  freePort,
  killChildren,
  openIncident,
  registerUser,
  startRedisServer,
  startTestWorker,
  subscribe,
  type TestCore,
  testEnv,
  unique,
  waitFor,
  workerPrefix,
} from './support/harness';
import { type FakeSmtp, startFakeSmtp } from './support/smtp';

let smtp: FakeSmtp;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  smtp = await startFakeSmtp();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

afterAll(async () => {
  killChildren();
  await smtp?.close();
});

/** A migrated database of the test's own and the api's use-cases over it; dropped after the test. */
async function newInstallation() {
  const database = await createTestDatabase('sp_worker_once');
  const t = await createTestCore(database.url);
  cleanup.push(() => database.drop());
  cleanup.push(() => t.close());
  const operatorId = (await registerUser(t, unique('operator'))).id;
  return { database, t, operatorId };
}

async function worker(databaseUrl: string, overrides: Record<string, string>): Promise<RunningWorker> {
  const running = await startTestWorker(
    testEnv({ DATABASE_URL: databaseUrl, NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port), ...overrides }),
  );
  cleanup.push(() => running.close());
  return running;
}

/** Accepted messages per address, for these addresses only. */
function received(addresses: readonly string[]) {
  const wanted = new Set(addresses);
  const counts = new Map<string, number>();
  for (const mail of smtp.messages) {
    for (const to of mail.to) if (wanted.has(to)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

/** Waits until each address received exactly `each` messages (and lets a duplicate show up, if one were coming). */
async function expectEach(addresses: readonly string[], each: number) {
  await waitFor(
    `${addresses.length} addresses × ${each} messages`,
    () => {
      const counts = received(addresses);
      return counts.size === addresses.length && [...counts.values()].every((count) => count >= each);
    },
    60_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const counts = received(addresses);
  expect(counts.size).toBe(addresses.length);
  expect(new Set(counts.values())).toEqual(new Set([each]));
}

/** Every user table emptied and every id sequence started again, keeping the installation (a restored backup). */
async function emptyKeepingInstallation(t: TestCore) {
  const tables = await t.sql<{ name: string }[]>`
    select quote_ident(tablename) as name from pg_tables where schemaname = 'public' and tablename <> 'installation'`;
  await t.sql.unsafe(`truncate ${tables.map((table) => table.name).join(', ')} restart identity cascade`);
}

async function outboxStates(t: TestCore) {
  return t.sql<{ kind: string; dispatched: boolean; processed: boolean }[]>`
    select kind, dispatched_at is not null as dispatched, processed_at is not null as processed from outbox order by id`;
}

describe('every notification exactly once', () => {
  it('(a) delivers each message once when ids start again on a Redis that holds the old jobs: a new database, then an emptied one', async () => {
    const base = `${inject('queuePrefix')}-once-a`;
    const round = async (installation: Awaited<ReturnType<typeof newInstallation>>) => {
      const { t, operatorId, database } = installation;
      const service = await createService(t, operatorId);
      const addresses = await bulkSubscribers(t, service.id, 30, unique('a'));
      expect(await accountLessOf(t, addresses)).toHaveLength(15);
      const running = await worker(database.url, { WORKER_QUEUE_PREFIX: base });
      for (let index = 0; index < 3; index += 1) await openIncident(t, operatorId, [service.id]);
      await expectEach(addresses, 3);
      await running.close();
      return addresses;
    };

    const first = await newInstallation();
    await round(first);
    // A second database on the same Redis and prefix: its outbox and delivery ids start at 1 again.
    const second = await newInstallation();
    await round(second);
    // The first database emptied and its ids started again, installation kept (as a restored backup would be).
    await emptyKeepingInstallation(first.t);
    first.operatorId = (await registerUser(first.t, unique('operator'))).id;
    await round(first);
    expect((await outboxStates(first.t)).every((row) => row.dispatched && row.processed)).toBe(true);
  });

  it('(b) keeps two installations on one Redis and one WORKER_QUEUE_PREFIX apart: each delivers only its own, once', async () => {
    const base = `${inject('queuePrefix')}-once-b`;
    const installations = await Promise.all([newInstallation(), newInstallation()]);
    const senders = ['installation-1@example.test', 'installation-2@example.test'];
    const setups = await Promise.all(
      installations.map(async ({ t, operatorId, database }, index) => {
        const service = await createService(t, operatorId);
        const addresses = await bulkSubscribers(t, service.id, 40, unique(`b${index}`));
        await worker(database.url, {
          WORKER_QUEUE_PREFIX: base,
          NOTIFICATIONS_EMAIL_FROM_ADDRESS: senders[index] ?? '',
        });
        return { t, operatorId, service, addresses };
      }),
    );
    // Both open incidents at once: their first outbox rows and deliveries have the same ids.
    await Promise.all(
      setups.flatMap(({ t, operatorId, service }) => [1, 2].map(() => openIncident(t, operatorId, [service.id]))),
    );
    for (const [index, { addresses }] of setups.entries()) {
      await expectEach(addresses, 2);
      const from = new Set(
        smtp.messages.filter((mail) => mail.to.some((to) => addresses.includes(to))).map((mail) => mail.from),
      );
      expect([...from]).toEqual([senders[index]]);
    }
    const prefixes = await Promise.all(installations.map(({ database }) => workerPrefix(base, database.url)));
    expect(prefixes[0]).not.toBe(prefixes[1]);
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
    try {
      for (const prefix of prefixes) expect(await redis.exists(`${prefix}:${queueNames.outbox}:meta`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  describe('Redis losing everything', () => {
    let redis: Redis;
    let redisUrl: string;
    beforeAll(async () => {
      const port = await freePort();
      startRedisServer(port);
      redisUrl = `redis://127.0.0.1:${port}`;
      redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      // It is still starting: the first connection attempts may be refused.
      redis.on('error', () => {});
      await waitFor('the private Redis', async () => (await redis.ping().catch(() => undefined)) === 'PONG');
    });
    afterAll(() => {
      redis?.disconnect();
    });

    const fastRepair = { WORKER_REPAIR_INTERVAL: '300ms', WORKER_REPAIR_STALE_AFTER: '500ms' };

    it('(c) between relay and fan-out: the lost fan-out, password reset and verification e-mail are all recreated, and sent once', async () => {
      const { t, operatorId, database } = await newInstallation();
      const service = await createService(t, operatorId);
      const addresses = await bulkSubscribers(t, service.id, 20, unique('c1'));
      expect(await accountLessOf(t, addresses)).toHaveLength(10);
      const base = unique('once-c1');
      await worker(database.url, { REDIS_URL: redisUrl, WORKER_QUEUE_PREFIX: base, ...fastRepair });
      const outboxQueue = new Queue(queueNames.outbox, {
        connection: redis,
        prefix: await workerPrefix(base, database.url),
      });
      cleanup.push(() => outboxQueue.close());
      await outboxQueue.pause();

      const resetUser = await registerUser(t, unique('reset'));
      await t.core.auth.forgotPassword(resetUser.email);
      const owner = await registerUser(t, unique('owner'));
      const second = unique('second');
      await t.core.channels.create(owner.id, { type: 'email', target: `${second}@example.test` });
      await openIncident(t, operatorId, [service.id]);
      // Relayed (the rows are dispatched) into a queue that does not run; then Redis forgets it all.
      await waitFor('every row dispatched', async () => (await outboxStates(t)).every((row) => row.dispatched));
      expect((await outboxStates(t)).some((row) => row.processed)).toBe(false);
      await redis.flushall();

      await expectEach(addresses, 1);
      await expectEach([resetUser.email, `${second}@example.test`], 1);
      expect((await outboxStates(t)).every((row) => row.processed)).toBe(true);
    });

    it('(c) between fan-out and delivery: the pending deliveries are queued again and sent once', async () => {
      const { t, operatorId, database } = await newInstallation();
      const service = await createService(t, operatorId);
      const addresses = await bulkSubscribers(t, service.id, 20, unique('c2'));
      expect(await accountLessOf(t, addresses)).toHaveLength(10);
      const base = unique('once-c2');
      await worker(database.url, { REDIS_URL: redisUrl, WORKER_QUEUE_PREFIX: base, ...fastRepair });
      const emailQueue = new Queue(queueNames.delivery.email, {
        connection: redis,
        prefix: await workerPrefix(base, database.url),
      });
      cleanup.push(() => emailQueue.close());
      await emailQueue.pause();

      const incident = await openIncident(t, operatorId, [service.id]);
      await waitFor('the deliveries written', async () => {
        const [row] = await t.sql<{ count: number }[]>`
          select count(*)::int as count from notification_deliveries d join notification_messages m on m.id = d.message_id
          where m.event_id = ${incident.id}::uuid and d.state = 'pending'`;
        return row?.count === 20;
      });
      await redis.flushall();

      await expectEach(addresses, 1);
      const rows = await t.sql<{ state: string; attempts: number }[]>`
        select d.state::text as state, d.attempts from notification_deliveries d
        join notification_messages m on m.id = d.message_id where m.event_id = ${incident.id}::uuid`;
      expect(rows).toHaveLength(20);
      expect(rows.every((row) => row.state === 'sent' && row.attempts === 1)).toBe(true);
    });
  });

  it('(d) sends nothing to a deactivated subscriber, even when it was deactivated after the fan-out', async () => {
    const { t, operatorId, database } = await newInstallation();
    const service = await createService(t, operatorId);
    const [staying, before, after] = await Promise.all([1, 2, 3].map(() => registerUser(t, unique('d'))));
    if (!staying || !before || !after) throw new Error('no users');
    for (const user of [staying, before, after]) await subscribe(t, user.id, user.defaultChannel.id, [service.id]);
    await t.core.users.update(operatorId, AdminUpdateUserInput.parse({ id: before.id, is_active: false }));
    const base = unique('once-d');
    await worker(database.url, { WORKER_QUEUE_PREFIX: base });
    const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const emailQueue = new Queue(queueNames.delivery.email, {
      connection,
      prefix: await workerPrefix(base, database.url),
    });
    cleanup.push(async () => {
      await emailQueue.close();
      connection.disconnect();
    });
    await emailQueue.pause();
    const incident = await openIncident(t, operatorId, [service.id]);
    await waitFor('the fan-out', async () => {
      const [row] = await t.sql<{ count: number }[]>`
        select count(*)::int as count from notification_deliveries d join notification_messages m on m.id = d.message_id
        where m.event_id = ${incident.id}::uuid`;
      return row?.count === 2;
    });
    // Deactivated after its delivery was written, before it was sent.
    await t.core.users.update(operatorId, AdminUpdateUserInput.parse({ id: after.id, is_active: false }));
    await emailQueue.resume();

    await expectEach([staying.email], 1);
    const rows = await waitFor('both deliveries settled', async () => {
      const found = await t.sql<{ target: string; state: string; last_error: string | null }[]>`
        select d.target, d.state::text as state, d.last_error from notification_deliveries d
        join notification_messages m on m.id = d.message_id where m.event_id = ${incident.id}::uuid order by d.target`;
      return found.every((row) => row.state !== 'pending') ? found : undefined;
    });
    expect(rows).toEqual(
      [
        { target: staying.email, state: 'sent', last_error: null },
        { target: after.email, state: 'failed', last_error: expect.stringContaining('deactivated') },
      ].sort((x, y) => x.target.localeCompare(y.target)),
    );
    expect(received([before.email, after.email]).size).toBe(0);
  });
});
