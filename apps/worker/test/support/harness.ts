/**
 * What the worker tests share: the run's database and queue prefix, the
 * worker's configuration pointed at local protocol peers, an in-process or
 * child-process worker, the api as a child process (scale-out.test.ts), the api's use-cases (`createCore`, as the api wires
 * them) to write what the api would write, and polling helpers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateEventInput, CreateServiceInput, installationQueuePrefix } from '@statuspage/contracts';
import { createCore } from '@statuspage/core';
import { createDb } from '@statuspage/db';
import postgres from 'postgres';
import { inject } from 'vitest';
import { loadWorkerEnv, type WorkerEnv } from '../../src/env';
import { createWorkerLogger } from '../../src/logger';
import { type RunningWorker, startWorker } from '../../src/worker';

export const workerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const appSecret = 'worker-test-secret-0123456789';
export const baseUrl = 'https://status.example.test';

let counter = 0;
/** A name no other test (or run) uses. */
export function unique(prefix: string) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}${randomBytes(2).toString('hex')}`;
}

/** The BullMQ prefix a worker uses for WORKER_QUEUE_PREFIX=`base` on this database (its installation's). */
export async function workerPrefix(base: string, databaseUrl: string = inject('databaseUrl')) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ id: string }[]>`select id::text as id from installation`;
    if (!row) throw new Error('no installation row');
    return installationQueuePrefix(base, row.id);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The worker's environment for a test: this run's database and a queue prefix of the file's own. */
export function testEnvVars(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: inject('redisUrl'),
    WORKER_QUEUE_PREFIX: inject('queuePrefix'),
    WORKER_OUTBOX_POLL_INTERVAL: '50ms',
    WORKER_METRICS_PORT: '0',
    WORKER_SHUTDOWN_TIMEOUT: '20s',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NOTIFICATIONS_BASE_URL: baseUrl,
    NOTIFICATIONS_EMAIL_FROM_ADDRESS: 'status@example.test',
    NOTIFICATIONS_TELEGRAM_BOT_TOKEN: '123456:test-token',
    NOTIFICATIONS_RETRY_MAX_ATTEMPTS: '3',
    NOTIFICATIONS_RETRY_INITIAL_BACKOFF: '50ms',
    NOTIFICATIONS_RETRY_MAX_BACKOFF: '400ms',
    NOTIFICATIONS_SEND_TIMEOUT: '10s',
    // The tests' webhook receivers listen on loopback.
    NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
    APP_SECRET: appSecret,
    ...overrides,
  };
}

export function testEnv(overrides: Record<string, string> = {}): WorkerEnv {
  return loadWorkerEnv(testEnvVars(overrides));
}

/** A worker in this process (most tests: faster to start, same code path as the process). */
export async function startTestWorker(env: WorkerEnv): Promise<RunningWorker> {
  const worker = startWorker(env, createWorkerLogger(env.LOG_LEVEL));
  await worker.started;
  return worker;
}

/** The api's use-cases over the run's database, wired as apps/api/src/server.ts wires them. */
export async function createTestCore(databaseUrl: string = inject('databaseUrl')) {
  const client = await createDb({ url: databaseUrl, poolSize: 4 });
  const core = createCore({
    db: client.db,
    identity: { accessTtlSeconds: 900, refreshTtlSeconds: 86_400, resetTtlSeconds: 3600, resetCooldownSeconds: 300 },
    notifications: {
      settings: {
        availableTypes: ['email', 'telegram', 'mattermost', 'webhook', 'slack', 'discord', 'teams'],
        telegramBotUsername: 'status_test_bot',
        codeTtlSeconds: 900,
        maxCodeAttempts: 5,
        resendCooldownSeconds: 60,
        maxCodesPerAddressPerHour: 5,
        maxCodesPerUserPerHour: 10,
        subscriberMailCooldownSeconds: 60,
        maxPendingSubscribersPerIp: 5,
      },
      // The api's test message on Telegram/Mattermost verification; what these tests count is the worker's.
      // (Telegram: as if the chat had opened the channel's deep link.)
      probe: {
        telegramStarted: async () => true,
        telegram: async () => {},
        mattermost: async () => {},
        webhook: async () => {},
        addressRefusal: () => undefined,
      },
      secret: appSecret,
    },
  });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  return {
    core,
    /** The same database through drizzle, for what the worker's own code reads (e.g. its scheduled jobs). */
    db: client.db,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await client.close();
    },
  };
}
export type TestCore = Awaited<ReturnType<typeof createTestCore>>;

/** Polls until `check` returns a value other than undefined/false. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  // Generous: the whole suite shares 2 cores with PostgreSQL, Redis and the SMTP fake.
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// ---------------------------------------------------------------------------
// Factories: what users and operators do, through the api's use-cases.

/**
 * A user whose default e-mail channel is confirmed: what registration and
 * typing in the e-mailed code leave behind, written directly, so that no
 * verification e-mail is in flight while a test counts the mails it expects.
 * (Registration itself, unverified channel and code, is tested in the api.)
 */
export async function registerUser(t: TestCore, name = unique('user')) {
  const email = `${name}@example.test`;
  const [user] = await t.sql<{ id: string }[]>`
    insert into users (email, password_hash, first_name, last_name)
    values (${email}, 'not-a-password-hash', 'Test', ${name}) returning id`;
  if (!user) throw new Error('insert returned no row');
  await t.sql`
    insert into notification_channels (user_id, type, target, is_verified, is_default)
    values (${user.id}, 'email', ${email}, true, true)`;
  const [channel] = await t.core.channels.list(user.id);
  if (!channel) throw new Error('no default channel');
  return { id: user.id, email, defaultChannel: channel };
}

export async function createService(t: TestCore, actorId: string) {
  const slug = unique('svc');
  return t.core.services.create(actorId, CreateServiceInput.parse({ name: `Service ${slug}`, slug }));
}

/** A channel subscribed to these services (or to all). */
export async function subscribe(t: TestCore, userId: string, channelId: string, services: string[] | 'all') {
  await t.core.subscriptions.set(userId, {
    id: channelId,
    subscribe_to_all_services: services === 'all',
    service_ids: services === 'all' ? [] : services,
  });
}

/** A chat or webhook channel, verified through the api's probe. */
export async function addVerifiedChannel(
  t: TestCore,
  userId: string,
  type: 'telegram' | 'mattermost' | 'webhook' | 'slack' | 'discord' | 'teams',
  target: string,
) {
  const channel = await t.core.channels.create(userId, { type, target });
  return t.core.channels.verify(userId, channel.id, undefined);
}

/** Opens an incident on these services with notify_subscribers. */
export async function openIncident(t: TestCore, actorId: string, serviceIds: string[], title = unique('Incident')) {
  return t.core.events.create(
    actorId,
    CreateEventInput.parse({
      title,
      type: 'incident',
      status: 'investigating',
      severity: 'major',
      description: `${title}: we are looking into it`,
      notify_subscribers: true,
      affected_services: serviceIds.map((service_id) => ({ service_id, status: 'partial_outage' })),
    }),
  );
}

/**
 * `count` recipients of a service, written in a few statements: registering
 * thousands of accounts through argon2 would take minutes. The odd ones are
 * users with a verified e-mail channel, the even ones account-less
 * subscribers who confirmed their address (what the subscribe and confirm
 * use-cases leave behind), so every fault test runs with both in the mix.
 * The event and its subscriber set still go through the use-cases.
 */
export async function bulkSubscribers(t: TestCore, serviceId: string, count: number, tag = unique('bulk')) {
  await t.sql`
    with u as (
      insert into users (email, password_hash)
      select ${tag} || '-' || g || '@example.test', 'not-a-password-hash'
      from generate_series(1, ${count}::int) g where g % 2 = 1
      returning id, email
    ), c as (
      insert into notification_channels (user_id, type, target, is_verified, is_default)
      select id, 'email', email, true, true from u
      returning id
    )
    insert into channel_subscriptions (channel_id, service_id) select id, ${serviceId}::uuid from c`;
  await t.sql`
    with s as (
      insert into subscribers (email, state, confirmed_at)
      select ${tag} || '-' || g || '@example.test', 'confirmed', now()
      from generate_series(1, ${count}::int) g where g % 2 = 0
      returning id, email
    ), c as (
      insert into notification_channels (subscriber_id, type, target, is_verified)
      select id, 'email', email, true from s
      returning id
    )
    insert into channel_subscriptions (channel_id, service_id) select id, ${serviceId}::uuid from c`;
  return Array.from({ length: count }, (_, index) => `${tag}-${index + 1}@example.test`);
}

/**
 * An account-less subscriber who confirmed the address, following these
 * services: what subscribing and confirming leave behind, written directly so
 * that no confirmation e-mail is in flight while a test counts its mails
 * (the flow itself is tested in subscribers.test.ts).
 */
export async function confirmedSubscriber(t: TestCore, serviceIds: string[], email = `${unique('sub')}@example.test`) {
  const [subscriber] = await t.sql<{ id: string }[]>`
    insert into subscribers (email, state, confirmed_at) values (${email}, 'confirmed', now()) returning id`;
  if (!subscriber) throw new Error('insert returned no row');
  const [channel] = await t.sql<{ id: string }[]>`
    insert into notification_channels (subscriber_id, type, target, is_verified)
    values (${subscriber.id}, 'email', ${email}, true) returning id`;
  if (!channel) throw new Error('insert returned no row');
  for (const serviceId of serviceIds) {
    await t.sql`insert into channel_subscriptions (channel_id, service_id) values (${channel.id}, ${serviceId})`;
  }
  return { id: subscriber.id, channelId: channel.id, email };
}

/** Of these addresses, those of account-less subscribers (so a test can say they were in the mix). */
export async function accountLessOf(t: TestCore, addresses: readonly string[]) {
  const rows = await t.sql<{ email: string }[]>`select email from subscribers where email = any(${[...addresses]})`;
  return rows.map((row) => row.email);
}

export interface DeliveryRow {
  id: number;
  message_id: number;
  kind: string;
  channel_id: string | null;
  channel_type: string;
  target: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
}

/** Deliveries of an event's messages (or of any message to these targets). */
export async function deliveriesOf(t: TestCore, where: { eventId?: string; targets?: string[] }) {
  return t.sql<DeliveryRow[]>`
    select d.id::int as id, d.message_id::int as message_id, m.kind, d.channel_id, d.channel_type::text as channel_type,
           d.target, d.state::text as state, d.attempts, d.last_error
    from notification_deliveries d join notification_messages m on m.id = d.message_id
    where ${where.eventId ? t.sql`m.event_id = ${where.eventId}::uuid` : t.sql`true`}
      and ${where.targets ? t.sql`d.target = any(${where.targets})` : t.sql`true`}
    order by d.message_id, d.id`;
}

/** Waits until every delivery of these messages left `pending`, and there are `count` of them. */
export async function settled(
  t: TestCore,
  where: { eventId?: string; targets?: string[] },
  count: number,
  timeoutMs = 45_000,
) {
  return waitFor(
    `${count} settled deliveries`,
    async () => {
      const rows = await deliveriesOf(t, where);
      return rows.length === count && rows.every((row) => row.state !== 'pending') ? rows : undefined;
    },
    timeoutMs,
  );
}

// ---------------------------------------------------------------------------
// Processes

/** A TCP port nobody listens on right now (the platform's test helper). */
export { freeTcpPort as freePort } from '@statuspage/platform/testing';

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  output(): string;
}

const children: ChildProcess[] = [];
/** Kills what the tests spawned and did not stop themselves. */
export function killChildren() {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/** Runs an app's entry point (`src/main.ts` through tsx) in `cwd` as its own process and collects its output. */
function spawnEntryPoint(cwd: string, env: Record<string, string>, name: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd,
    // Info level: the tests wait for the processes' log lines.
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    async waitFor(text, timeoutMs = 20_000) {
      const started = Date.now();
      while (!output.includes(text)) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for "${text}"; output:\n${output}`);
        if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before "${text}":\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    output: () => output,
  };
}

/** Runs the worker's entry point as its own process and collects its output. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  return spawnEntryPoint(workerDir, env, 'worker');
}

export const apiDir = path.resolve(workerDir, '..', 'api');

export interface ApiProcess extends WorkerProcess {
  /** Where it serves HTTP and its Prometheus `/metrics`, from its "api listening" line. */
  url: string;
  metricsUrl: string;
}

/**
 * Runs the api's entry point as its own process (as apps/api/test/process.test.ts does) and waits
 * until it listens. `env` is its whole environment: give it the database, Redis and channel to share.
 */
export async function spawnApi(env: Record<string, string>, timeoutMs = 45_000): Promise<ApiProcess> {
  const api = spawnEntryPoint(apiDir, env, 'api');
  await api.waitFor('"msg":"api listening"', timeoutMs);
  const line = api
    .output()
    .split('\n')
    .find((entry) => entry.includes('"msg":"api listening"'));
  const { url, metrics } = JSON.parse(line ?? '{}') as { url?: string; metrics?: string };
  if (!url || !metrics) throw new Error(`no addresses in the api's output:\n${api.output()}`);
  return { ...api, url, metricsUrl: metrics };
}

/**
 * Stops what the tests spawned: SIGTERM, then SIGKILL for whatever has not exited after
 * `graceMs`. The exit codes of the processes that stopped by themselves, in spawn order.
 */
export async function stopChildren(graceMs = 15_000) {
  const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
  const codes = await Promise.all(
    running.map(
      (child) =>
        new Promise<number | null>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
          }, graceMs);
          child.once('exit', (code) => {
            clearTimeout(timer);
            resolve(code);
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  return codes;
}

/** A private redis-server (for tests that stop and start it). */
export function startRedisServer(port: number) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  return child;
}
