/**
 * Two api processes and two worker processes on one PostgreSQL (the run's
 * database) and one Redis, as a scaled-out installation runs: a write through
 * one api replica clears the other's public cache over Redis, each
 * notification is delivered once while both workers take jobs, and a
 * scheduled maintenance starts and completes once. The four processes share a
 * queue prefix and an invalidation channel (PUBLIC_CACHE_CHANNEL) of this file
 * alone, so that no other test file or run ever meets them.
 *
 * The same guarantees with in-process workers: reliability.test.ts (two
 * worker processes, no api), maintenance.test.ts ("two workers at once", in
 * one process), and apps/api/test/public-cache.test.ts (two api servers in one
 * process).
 */
import { AddEventUpdateInput, CreateApiKeyInput } from '@statuspage/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHttp, type Http, type HttpResult } from '../../api/test/support/client';
import {
  type ApiProcess,
  accountLessOf,
  appSecret,
  baseUrl,
  bulkSubscribers,
  confirmedSubscriber,
  createTestCore,
  settled,
  spawnApi,
  spawnWorker,
  stopChildren,
  type TestCore,
  testEnvVars,
  unique,
  type WorkerProcess,
  waitFor,
} from './support/harness';
import { type FakeSmtp, startFakeSmtp } from './support/smtp';

const prefix = `${inject('queuePrefix')}-scale-out`;
const channel = `${prefix}:public-cache`;
/** Each worker signs its mail with its own sender, so the SMTP server tells them apart. */
const senders = ['worker-a@example.test', 'worker-b@example.test'];
const RECIPIENTS = 300;

let t: TestCore;
let smtp: FakeSmtp;
let apiA: ApiProcess;
let apiB: ApiProcess;
let workers: WorkerProcess[];
let a: Http;
let b: Http;
let adminKey: string;
let adminId: string;
/** The incidents this file opens: resolved at the end, as other files read the page's overall status. */
const incidents: string[] = [];

/** The api's environment: the run's database, the shared Redis, this file's prefix and channel. */
function apiEnv(): Record<string, string> {
  return {
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: inject('redisUrl'),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    COOKIE_SECURE: 'false',
    WORKER_QUEUE_PREFIX: prefix,
    PUBLIC_CACHE_CHANNEL: channel,
    // Far longer than the test: an entry that changes can only have been cleared by a message.
    PUBLIC_CACHE_TTL: '10m',
    NOTIFICATIONS_BASE_URL: baseUrl,
    APP_SECRET: appSecret,
  };
}

beforeAll(async () => {
  [t, smtp] = await Promise.all([createTestCore(), startFakeSmtp()]);
  workers = senders.map((from) =>
    spawnWorker(
      testEnvVars({
        WORKER_QUEUE_PREFIX: prefix,
        PUBLIC_CACHE_CHANNEL: channel,
        NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
        NOTIFICATIONS_EMAIL_FROM_ADDRESS: from,
        MAINTENANCE_REMINDER_LEAD: '0',
      }),
    ),
  );
  [apiA, apiB] = await Promise.all([spawnApi(apiEnv()), spawnApi(apiEnv())]);
  await Promise.all(workers.map((worker) => worker.waitFor('worker started', 45_000)));
  a = createHttp(apiA.url);
  b = createHttp(apiB.url);

  // An admin and a key of theirs: the operator's requests go to api A as bearer requests.
  const [admin] = await t.sql<{ id: string }[]>`
    insert into users (email, password_hash, role)
    values (${`${unique('admin')}@example.test`}, 'not-a-password-hash', 'admin') returning id`;
  if (!admin) throw new Error('insert returned no row');
  adminId = admin.id;
  const key = await t.core.apiKeys.create(
    { id: admin.id, role: 'admin' },
    CreateApiKeyInput.parse({ name: 'scale-out test', role: 'admin' }),
  );
  adminKey = key.secret;
}, 120_000);

afterAll(async () => {
  // SIGTERM to all four, SIGKILL for any that does not stop in time.
  await stopChildren();
  for (const id of incidents) {
    if (!t || (await t.core.events.get(id)).status === 'resolved') continue;
    await t.core.events.addUpdate(adminId, AddEventUpdateInput.parse({ id, status: 'resolved', message: 'Test over' }));
  }
  await Promise.all([t?.close(), smtp?.close()]);
});

/** The count of public reads a replica answered from its cache (its Prometheus counter). */
async function cacheHits(api: ApiProcess) {
  const text = await (await fetch(api.metricsUrl)).text();
  const match = /^public_cache_requests_total\{result="hit"\} (\d+)$/m.exec(text);
  if (!match) throw new Error(`no public cache counter in:\n${text}`);
  return Number(match[1]);
}

async function createService() {
  const slug = unique('svc');
  const created = await a.post('/api/v1/services', { token: adminKey, body: { name: `Service ${slug}`, slug } });
  expect(created.status, created.text).toBe(201);
  return created.body.data as { id: string; slug: string; name: string };
}

/**
 * Reads `path` on a replica until it answers from its cache: a read whose hit counter went up and
 * whose answer is the one before (the previous write's own message may still be on its way).
 */
async function cachedRead(api: ApiProcess, http: Http, path: string) {
  return waitFor(`a cache hit of ${path}`, async () => {
    const first = await http.get(path);
    expect(first.status, first.text).toBe(200);
    const hits = await cacheHits(api);
    const second = await http.get(path, { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
    return second.status === 304 && (await cacheHits(api)) > hits ? first : undefined;
  });
}

/** Reads `path` until `shows` holds: the answer, how many reads it took and how long after `since`. */
async function readUntil(http: Http, path: string, since: number, shows: (answer: HttpResult) => boolean) {
  let reads = 0;
  const answer = await waitFor(
    `${path} to show the write`,
    async () => {
      reads += 1;
      const read = await http.get(path);
      return shows(read) ? read : undefined;
    },
    5_000,
  );
  return { answer, reads, afterMs: Date.now() - since };
}

describe('scale-out: two api processes and two workers on one PostgreSQL and one Redis', () => {
  it('a write through api A is in api B’s next reads of its cached JSON and HTML answers', async () => {
    const service = await createService();
    const reads = ['/api/v1/status', '/api/v2/summary.json', '/'] as const;
    const before = new Map<string, HttpResult>();
    for (const path of reads) before.set(path, await cachedRead(apiB, b, path));

    const title = unique('Replica incident');
    const opened = await a.post('/api/v1/events', {
      token: adminKey,
      body: {
        title,
        type: 'incident',
        status: 'investigating',
        severity: 'major',
        description: 'Seen on the other replica',
        affected_services: [{ service_id: service.id, status: 'major_outage' }],
      },
    });
    expect(opened.status, opened.text).toBe(201);
    const eventId = opened.body.data.id as string;
    incidents.push(eventId);
    const since = Date.now();

    const status = await readUntil(b, '/api/v1/status', since, (read) =>
      (read.body.data.events as { id: string }[]).some((event) => event.id === eventId),
    );
    const summary = await readUntil(b, '/api/v2/summary.json', since, (read) =>
      (read.body.incidents as { name: string }[]).some((incident) => incident.name === title),
    );
    const page = await readUntil(b, '/', since, (read) => read.text.includes(title));
    for (const [path, { answer }] of [
      ['/api/v1/status', status],
      ['/api/v2/summary.json', summary],
      ['/', page],
    ] as const) {
      // A new answer, and the old ETag is no longer current there.
      expect(answer.headers.get('etag')).not.toBe(before.get(path)?.headers.get('etag'));
      const revalidated = await b.get(path, {
        headers: { 'if-none-match': before.get(path)?.headers.get('etag') ?? '' },
      });
      expect(revalidated.status, path).toBe(200);
    }
    const component = (summary.answer.body.components as { id: string; status: string }[]).find(
      (entry) => entry.id === service.id,
    );
    expect(component?.status).toBe('major_outage');
    // Within moments of a 10-minute entry lifetime: only the Redis message explains it.
    console.info(
      `api B after api A's answer: ${[status, summary, page].map((read, index) => `${reads[index]} in read ${read.reads} (${read.afterMs} ms)`).join(', ')}`,
    );
  });

  it('an incident opened on api A with notify reaches each subscriber once, and both workers deliver', async () => {
    const service = await createService();
    const addresses = await bulkSubscribers(t, service.id, RECIPIENTS);
    expect(await accountLessOf(t, addresses)).toHaveLength(RECIPIENTS / 2);

    const opened = await a.post('/api/v1/events', {
      token: adminKey,
      body: {
        title: unique('Fan-out incident'),
        type: 'incident',
        status: 'investigating',
        severity: 'critical',
        description: 'Everyone hears of it once',
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'partial_outage' }],
      },
    });
    expect(opened.status, opened.text).toBe(201);
    const eventId = opened.body.data.id as string;
    incidents.push(eventId);

    const rows = await settled(t, { eventId, targets: addresses }, RECIPIENTS, 45_000);
    expect(rows.every((row) => row.state === 'sent' && row.attempts === 1)).toBe(true);
    await waitFor(
      'every e-mail',
      () => smtp.messages.filter((mail) => mail.to.some((to) => addresses.includes(to))).length >= RECIPIENTS,
    );
    // Later duplicates would show up here.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const wanted = new Set(addresses);
    const perRecipient = new Map<string, number>();
    const perSender = new Map<string, number>();
    for (const mail of smtp.messages) {
      const ours = mail.to.filter((to) => wanted.has(to));
      for (const to of ours) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
      if (ours.length > 0) perSender.set(mail.from, (perSender.get(mail.from) ?? 0) + ours.length);
    }
    expect(perRecipient.size).toBe(RECIPIENTS);
    expect([...perRecipient.values()].every((count) => count === 1)).toBe(true);
    expect([...perSender.keys()].sort()).toEqual(senders);
    expect([...perSender.values()].reduce((sum, count) => sum + count, 0)).toBe(RECIPIENTS);
    console.info(`deliveries per worker: ${senders.map((from) => `${from} ${perSender.get(from)}`).join(', ')}`);
  });

  it('a maintenance scheduled on api A starts and completes once with both workers, and both replicas show it', async () => {
    const service = await createService();
    const subscriber = await confirmedSubscriber(t, [service.id]);
    const startsIn = 4_000;
    const opened = await a.post('/api/v1/events', {
      token: adminKey,
      body: {
        title: unique('Scaled maintenance'),
        type: 'maintenance',
        status: 'scheduled',
        description: 'Two workers, one start',
        notify_subscribers: true,
        scheduled_start_at: new Date(Date.now() + startsIn).toISOString(),
        scheduled_end_at: new Date(Date.now() + startsIn + 2_500).toISOString(),
        affected_services: [{ service_id: service.id, status: 'maintenance' }],
      },
    });
    expect(opened.status, opened.text).toBe(201);
    const eventId = opened.body.data.id as string;
    const statusOf = (read: HttpResult) =>
      (read.body.data.events as { id: string; status: string }[]).find((event) => event.id === eventId)?.status;

    // Both replicas hold the scheduled maintenance in their caches before the worker starts it.
    for (const [api, http] of [
      [apiA, a],
      [apiB, b],
    ] as const) {
      expect(statusOf(await cachedRead(api, http, '/api/v1/status'))).toBe('scheduled');
    }
    // The worker's message on PUBLIC_CACHE_CHANNEL clears both (nothing is written through an api).
    for (const http of [a, b]) {
      await waitFor(
        'in progress on the public status',
        async () => statusOf(await http.get('/api/v1/status')) === 'in_progress',
        20_000,
      );
    }

    await waitFor('completed', async () => {
      const [row] = await t.sql<{ status: string }[]>`select status::text from events where id = ${eventId}::uuid`;
      return row?.status === 'completed';
    });
    const updates = await t.sql<{ status: string }[]>`
      select status::text from event_updates where event_id = ${eventId}::uuid order by created_at, id`;
    expect(updates.map((update) => update.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    const log = await t.sql<{ old_status: string; new_status: string }[]>`
      select old_status::text, new_status::text from service_status_log where event_id = ${eventId}::uuid order by created_at, id`;
    expect(log.map((entry) => [entry.old_status, entry.new_status])).toEqual([
      ['operational', 'maintenance'],
      ['maintenance', 'operational'],
    ]);
    const deliveries = await settled(t, { eventId, targets: [subscriber.email] }, 3);
    expect(deliveries.map((row) => [row.kind, row.state])).toEqual([
      ['initial', 'sent'],
      ['update', 'sent'],
      ['completed', 'sent'],
    ]);
    await waitFor('three e-mails', () => smtp.to(subscriber.email).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(subscriber.email)).toHaveLength(3);

    // Each transition was made by one worker: both logged their own, and only one made each.
    const lines = (text: string) => text.split('\n').filter((line) => line.includes(eventId));
    const made = (verb: string) =>
      workers.flatMap((worker) =>
        lines(worker.output()).filter((line) => line.includes(`"msg":"maintenance ${verb} automatically"`)),
      );
    expect(made('started')).toHaveLength(1);
    expect(made('completed')).toHaveLength(1);
  });

  it('all four processes stop cleanly on SIGTERM', async () => {
    const processes = [apiA, apiB, ...workers];
    const codes = await stopChildren();
    expect(codes).toEqual([0, 0, 0, 0]);
    for (const process of processes) expect(process.output()).toMatch(/"msg":"(api|worker) stopped"/);
  });
});
