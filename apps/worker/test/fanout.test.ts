import { AddEventUpdateInput, AdminUpdateUserInput, queueNames } from '@statuspage/contracts';
import { createDb, type DbClient } from '@statuspage/db';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { fanOut } from '../src/notifications/fanout';
import { createQueues, type Queues } from '../src/queues/queues';
import {
  createService,
  createTestCore,
  deliveriesOf,
  openIncident,
  registerUser,
  subscribe,
  type TestCore,
  unique,
} from './support/harness';

const logger = pino({ level: 'silent' });
let t: TestCore;
let client: DbClient;
let redis: Redis;
let queues: Queues;

beforeAll(async () => {
  t = await createTestCore();
  client = await createDb({ url: inject('databaseUrl'), poolSize: 2 });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  // Queues without workers: the fan-out's jobs stay there to be looked at.
  queues = createQueues(redis, { prefix: `${inject('queuePrefix')}-fanout`, deliveryAttempts: 3, logger });
});

afterEach(async () => {
  for (const queue of queues.all()) await queue.obliterate({ force: true });
});

afterAll(async () => {
  // No worker ran here: the outbox rows of these events must not reach another file's worker.
  await t.sql`update outbox set dispatched_at = now() where dispatched_at is null`;
  await queues.close();
  redis.disconnect();
  await client.close();
  await t.close();
});

async function outboxRowOfMessage(messageId: number) {
  const [row] = await t.sql<{ id: number; uid: string }[]>`
    select id::int as id, uid::text as uid from outbox
    where kind = 'notification.fanout' and (payload->>'message_id')::bigint = ${messageId}`;
  if (!row) throw new Error(`no outbox row for message ${messageId}`);
  return row;
}

/** Fans a message out as its outbox job would: with the row that asked for it. */
async function fanOutMessage(messageId: number) {
  return fanOut({ db: client.db, queues, logger }, await outboxRowOfMessage(messageId), messageId, logger);
}

async function processedOf(messageId: number) {
  const [row] = await t.sql<{ processed: boolean }[]>`
    select processed_at is not null as processed from outbox
    where kind = 'notification.fanout' and (payload->>'message_id')::bigint = ${messageId}`;
  return row?.processed;
}

async function messagesOf(eventId: string) {
  return t.sql<{ id: number; kind: string }[]>`
    select id::int as id, kind from notification_messages where event_id = ${eventId}::uuid order by id`;
}

describe('notifications fan-out', () => {
  it('writes one delivery per channel of the set and one job each, once however often it runs', async () => {
    const operator = await registerUser(t, unique('operator'));
    const service = await createService(t, operator.id);
    const users = await Promise.all([1, 2, 3].map(() => registerUser(t)));
    for (const user of users) await subscribe(t, user.id, user.defaultChannel.id, [service.id]);
    const incident = await openIncident(t, operator.id, [service.id]);
    const [initial] = await messagesOf(incident.id);
    const targets = users.map((user) => user.email);

    expect(await processedOf(initial?.id ?? 0)).toBe(false);
    await fanOutMessage(initial?.id ?? 0);
    await fanOutMessage(initial?.id ?? 0);
    // The message is finished: its deliveries exist, committed with the outbox row marked processed.
    expect(await processedOf(initial?.id ?? 0)).toBe(true);
    const rows = await deliveriesOf(t, { eventId: incident.id, targets });
    expect(rows.map((row) => row.target).sort()).toEqual([...targets].sort());
    const uids = await t.sql<{ id: number; uid: string }[]>`
      select id::int as id, uid::text as uid from notification_deliveries where id = any(${rows.map((row) => row.id)})`;
    const jobs = await queues.delivery.email.getJobs(['prioritized', 'waiting']);
    const mine = jobs.filter((job) => rows.some((row) => row.id === job.data.delivery_id));
    expect(mine.map((job) => job.id).sort()).toEqual(uids.map((row) => `deliver-${row.uid}`).sort());
    expect(mine.every((job) => uids.some((row) => row.uid === job.data.delivery_uid))).toBe(true);
    expect(mine.every((job) => job.name === 'deliver' && job.queueName === queueNames.delivery.email)).toBe(true);
  });

  it('leaves out subscribers who joined the set after the message was written', async () => {
    const operator = await registerUser(t, unique('operator'));
    const [first, later] = await Promise.all([createService(t, operator.id), createService(t, operator.id)]);
    if (!first || !later) throw new Error('no services');
    const early = await registerUser(t);
    await subscribe(t, early.id, early.defaultChannel.id, [first.id]);
    const joiner = await registerUser(t);
    await subscribe(t, joiner.id, joiner.defaultChannel.id, [later.id]);
    const incident = await openIncident(t, operator.id, [first.id]);
    // The service (and its subscriber) comes in with an update, before the first message is fanned out.
    await t.core.events.addUpdate(
      operator.id,
      AddEventUpdateInput.parse({
        id: incident.id,
        status: 'identified',
        message: 'It spreads',
        notify_subscribers: true,
        add_services: [{ service_id: later.id, status: 'degraded' }],
      }),
    );
    const [initial, update] = await messagesOf(incident.id);
    await fanOutMessage(initial?.id ?? 0);
    await fanOutMessage(update?.id ?? 0);

    const rows = await deliveriesOf(t, { eventId: incident.id, targets: [early.email, joiner.email] });
    expect(rows.map((row) => `${row.kind} ${row.target}`).sort()).toEqual(
      [`initial ${early.email}`, `update ${early.email}`, `update ${joiner.email}`].sort(),
    );
  });

  it('skips channels disabled since the event opened', async () => {
    const operator = await registerUser(t, unique('operator'));
    const service = await createService(t, operator.id);
    const user = await registerUser(t);
    await subscribe(t, user.id, user.defaultChannel.id, [service.id]);
    const incident = await openIncident(t, operator.id, [service.id]);
    await t.core.channels.update(user.id, user.defaultChannel.id, { is_enabled: false });
    const [initial] = await messagesOf(incident.id);
    await fanOutMessage(initial?.id ?? 0);
    expect(await deliveriesOf(t, { eventId: incident.id, targets: [user.email] })).toEqual([]);
  });

  it('leaves out the channels of accounts deactivated since the event opened, and never adds them to a set', async () => {
    const operator = await registerUser(t, unique('operator'));
    const service = await createService(t, operator.id);
    const [kept, leaving, gone] = await Promise.all([1, 2, 3].map(() => registerUser(t)));
    if (!kept || !leaving || !gone) throw new Error('no users');
    for (const user of [kept, leaving, gone]) await subscribe(t, user.id, user.defaultChannel.id, [service.id]);
    // Deactivated before the event: not in its subscriber set at all.
    await t.core.users.update(operator.id, AdminUpdateUserInput.parse({ id: gone.id, is_active: false }));
    const incident = await openIncident(t, operator.id, [service.id]);
    const ours = [kept, leaving, gone].map((user) => user.defaultChannel.id);
    // (Other files' channels may follow all services.)
    const set = await t.sql<{ channel_id: string }[]>`
      select channel_id::text from event_subscribers where event_id = ${incident.id}::uuid and channel_id = any(${ours})`;
    expect(set.map((row) => row.channel_id).sort()).toEqual([kept.defaultChannel.id, leaving.defaultChannel.id].sort());
    // Deactivated after the event opened, before its message went out: no delivery.
    await t.core.users.update(operator.id, AdminUpdateUserInput.parse({ id: leaving.id, is_active: false }));
    const [initial] = await messagesOf(incident.id);
    await fanOutMessage(initial?.id ?? 0);
    const rows = await deliveriesOf(t, { eventId: incident.id, targets: [kept.email, leaving.email, gone.email] });
    expect(rows.map((row) => row.target)).toEqual([kept.email]);
  });

  it('gives a delivery a new job id when Redis holds its id for another row, logged and counted', async () => {
    const operator = await registerUser(t, unique('operator'));
    const service = await createService(t, operator.id);
    const users = await Promise.all([1, 2].map(() => registerUser(t)));
    for (const user of users) await subscribe(t, user.id, user.defaultChannel.id, [service.id]);
    const incident = await openIncident(t, operator.id, [service.id]);
    const [initial] = await messagesOf(incident.id);
    await fanOutMessage(initial?.id ?? 0);
    const rows = await t.sql<{ id: number; uid: string }[]>`
      select d.id::int as id, d.uid::text as uid from notification_deliveries d
      where d.message_id = ${initial?.id ?? 0} and d.target = any(${users.map((user) => user.email)}) order by d.id`;
    const [victim, other] = rows;
    if (!victim || !other) throw new Error('no deliveries');
    // Redis forgot the jobs, but holds one under the victim's id about another row (left by another database).
    await queues.delivery.email.obliterate({ force: true });
    await queues.delivery.email.add(
      'deliver',
      { delivery_id: 424_242, delivery_uid: victim.uid, message_id: 1 },
      { jobId: `deliver-${victim.uid}` },
    );

    const lines: string[] = [];
    const conflicts: { queue: string; count: number }[] = [];
    await fanOut(
      {
        db: client.db,
        queues,
        logger: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }),
        observe: { jobIdConflicts: (queue, count) => conflicts.push({ queue, count }) },
      },
      await outboxRowOfMessage(initial?.id ?? 0),
      initial?.id ?? 0,
      logger,
    );
    expect(conflicts).toEqual([{ queue: 'delivery', count: 1 }]);
    expect(lines.join('')).toContain('they get new ids');
    const [renamed] = await t.sql<
      { uid: string }[]
    >`select uid::text as uid from notification_deliveries where id = ${victim.id}`;
    expect(renamed?.uid).not.toBe(victim.uid);
    expect((await queues.delivery.email.getJob(`deliver-${renamed?.uid}`))?.data).toEqual({
      delivery_id: victim.id,
      delivery_uid: renamed?.uid,
      message_id: initial?.id,
    });
    expect((await queues.delivery.email.getJob(`deliver-${other.uid}`))?.data).toMatchObject({ delivery_id: other.id });
  });
});
