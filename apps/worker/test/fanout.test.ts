import { AddEventUpdateInput, queueNames } from '@statuspage/contracts';
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

    await fanOut(client.db, queues, initial?.id ?? 0, logger);
    await fanOut(client.db, queues, initial?.id ?? 0, logger);
    const rows = await deliveriesOf(t, { eventId: incident.id, targets });
    expect(rows.map((row) => row.target).sort()).toEqual([...targets].sort());
    const jobs = await queues.delivery.email.getJobs(['prioritized', 'waiting']);
    const mine = jobs.filter((job) => rows.some((row) => row.id === job.data.delivery_id));
    expect(mine.map((job) => job.id).sort()).toEqual(rows.map((row) => `deliver-${row.message_id}-${row.id}`).sort());
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
    await fanOut(client.db, queues, initial?.id ?? 0, logger);
    await fanOut(client.db, queues, update?.id ?? 0, logger);

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
    await fanOut(client.db, queues, initial?.id ?? 0, logger);
    expect(await deliveriesOf(t, { eventId: incident.id, targets: [user.email] })).toEqual([]);
  });
});
