// The api and the worker behind PgBouncer in transaction pooling (Debian bookworm's 1.18, which
// cannot carry a named prepared statement from one server connection to the next), with
// DATABASE_PREPARED_STATEMENTS=false: many client connections share two server connections, so
// anything that kept state in a session (prepared statements, session settings, LISTEN,
// session advisory locks, temporary tables) would break here. PgBouncer is started by the test,
// on a free port, in front of a database of its own; the worker is its real process.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { redisUrl, startTestApi, unique } from './support/api';
import { currentUserId, dataOf, type WireService } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createService } from './support/factories';
import { type FakeWebhooks, startFakeWebhooks, waitUntil } from './support/fakes';
import { createChannel, setSubscriptions } from './support/notifications';
import { type PgBouncer, startPgBouncer } from './support/postgres-servers';

const workerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'worker');
/** Server connections PgBouncer opens to PostgreSQL, for the api's 6 and the worker's 4 client connections. */
const SERVER_CONNECTIONS = 2;

interface AuditEntry {
  actor: { type: string; id: string | null; user_id: string | null; label: string | null };
  action: string;
  operation: string | null;
  target: { type: string; id: string };
}

describe('api and worker behind PgBouncer in transaction pooling', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let bouncer: PgBouncer;
  let onServer: postgres.Sql;
  let api: ApiServer;
  let http: Http;
  let webhooks: FakeWebhooks;
  let worker: ChildProcess;
  let workerOutput = '';
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    database = await createTestDatabase('sp_pgbouncer');
    const seeder = await createDb({ url: database.url, poolSize: 2 });
    await seedDevelopmentData(seeder.db);
    await seeder.close();
    onServer = postgres(database.url, { max: 1, onnotice: () => {} });
    const server = new URL(database.url);
    bouncer = await startPgBouncer({
      host: server.hostname,
      port: Number(server.port || 5432),
      database: database.name,
      poolSize: SERVER_CONNECTIONS,
    });
    webhooks = await startFakeWebhooks();
    const behindBouncer = { DATABASE_URL: bouncer.url, DATABASE_PREPARED_STATEMENTS: 'false' };
    api = await startTestApi(
      { ...behindBouncer, DATABASE_POOL_SIZE: '6' },
      { publicCacheChannel: `pgbouncer-${unique('channel')}` },
    );
    http = createHttp(api.url);
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: workerDir,
      env: {
        PATH: process.env.PATH ?? '',
        ...behindBouncer,
        DATABASE_POOL_SIZE: '4',
        REDIS_URL: redisUrl,
        WORKER_QUEUE_PREFIX: unique('pgbouncer').replaceAll('-', '_'),
        WORKER_METRICS_PORT: '0',
        WORKER_OUTBOX_POLL_INTERVAL: '50ms',
        NOTIFICATIONS_RETRY_INITIAL_BACKOFF: '100ms',
        NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (chunk) => {
      workerOutput += chunk;
    });
    worker.stderr?.on('data', (chunk) => {
      workerOutput += chunk;
    });
    await waitUntil(
      () => workerOutput.includes('worker started') || worker.exitCode !== null,
      30_000,
      'the worker to start',
    );
    expect(worker.exitCode, workerOutput).toBeNull();
    admin = await adminToken(http);
    adminId = await currentUserId(http, admin);
  }, 120_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await api?.close();
    await webhooks?.close();
    await bouncer?.stop();
    await onServer?.end({ timeout: 5 });
    await database?.drop();
  });

  /** Connections PostgreSQL has to this database, besides the test's own. */
  async function serverConnections() {
    const [row] = await onServer<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${database.name} and pid <> pg_backend_pid()`;
    return row?.n ?? 0;
  }

  it('signs in, writes in transactions (a service, an incident), and the audit log names the actor of each', async () => {
    const service = await createService(http, admin);
    const opened = await http.post('/api/v1/events', {
      token: admin,
      body: {
        title: `Incident ${unique()}`,
        type: 'incident',
        status: 'investigating',
        severity: 'major',
        description: 'behind PgBouncer',
        affected_services: [{ service_id: service.id, status: 'major_outage' }],
      },
    });
    expect(opened.status, opened.text).toBe(201);
    // The actor is set per transaction (set_config(..., true)): it reaches the trigger through PgBouncer.
    const actor = { type: 'user', id: adminId, user_id: adminId, label: 'admin@example.com' };
    for (const [target, id, operation] of [
      ['service', service.id, 'services.create'],
      ['event', opened.body.data.id, 'events.create'],
    ] as const) {
      const page = dataOf<{ entries: AuditEntry[] }>(
        await http.get(`/api/v1/admin/audit?target_type=${target}&target_id=${id}`, { token: admin }),
      );
      expect(page.entries.map((entry) => entry.action)).toEqual(['insert']);
      expect(page.entries[0]).toMatchObject({ actor, operation });
    }
    // What the incident shows on the service, read back the same way.
    const read = dataOf<WireService>(await http.get(`/api/v1/services/${service.slug}`, { token: admin }));
    expect(read.effective_status).toBe('major_outage');
  });

  it('answers the public reads: REST, the pages, a feed, the Statuspage JSON', async () => {
    const service = await createService(http, admin);
    const services = dataOf<WireService[]>(await http.get('/api/v1/services'));
    expect(services.map((entry) => entry.slug)).toContain(service.slug);
    for (const route of ['/', `/services/${service.slug}`, '/history', '/history.atom', '/api/v2/summary.json']) {
      const response = await http.get(route);
      expect(response.status, `${route}: ${response.text.slice(0, 200)}`).toBe(200);
    }
  });

  it(`holds concurrent reads and writes of many client connections on ${SERVER_CONNECTIONS} server connections`, async () => {
    const service = await createService(http, admin);
    const requests = Array.from({ length: 30 }, (_, index) => {
      if (index % 3 === 0) return http.get(`/api/v1/services?round=${index}`);
      if (index % 3 === 1) return http.get(`/api/v1/services/${service.slug}`, { token: admin });
      return http.patch(`/api/v1/services/${service.slug}`, {
        token: admin,
        body: { name: service.slug, slug: service.slug, status: 'operational', description: `round ${index}` },
      });
    });
    let most = 0;
    const watching = (async () => {
      for (let i = 0; i < 20; i++) {
        most = Math.max(most, await serverConnections());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const answers = await Promise.all(requests);
    await watching;
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    // The api's pool alone has more client connections than that.
    expect((await serverConnections()) <= SERVER_CONNECTIONS).toBe(true);
  });

  it('one connection pipelining a statement with parameters behind another: raw postgres.js loses its answer, the db client does not', async () => {
    // One server connection, so that another client takes it the moment PgBouncer releases it.
    const single = await startPgBouncer({
      host: new URL(database.url).hostname,
      port: Number(new URL(database.url).port || 5432),
      database: database.name,
      poolSize: 1,
    });
    await onServer`create table if not exists pipeline_probe (n int)`;
    const within = <T>(promise: Promise<T>, ms: number) =>
      Promise.race([
        promise.catch((error: unknown) => `failed: ${error}`),
        new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), ms)),
      ]);
    const raw = postgres(single.url, { max: 1, prepare: false, onnotice: () => {} });
    const other = postgres(single.url, { max: 1, prepare: false, onnotice: () => {} });
    const client = await createDb({ url: single.url, poolSize: 1, preparedStatements: false });
    /**
     * A short statement, then one with a parameter on the same connection, while another client
     * waits for the server connection. The second one's Parse waits for a lock held meanwhile, so
     * its answer comes after the first one's ReadyForQuery, in a read of its own.
     */
    const race = async (short: () => Promise<unknown>, withParameter: () => Promise<unknown>) => {
      let locked: () => void = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = onServer.begin(async (tx) => {
        await tx`lock table pipeline_probe in access exclusive mode`;
        locked();
        await new Promise((resolve) => setTimeout(resolve, 600));
      });
      await lockTaken;
      const first = within(short(), 5000);
      const second = within(withParameter(), 3000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const waiting = within(other.unsafe("select 'other' as answer"), 5000);
      const answers = await Promise.all([first, second, waiting]);
      await holder;
      return answers;
    };
    const probe = 'select $1::int as mine, (select count(*) from pipeline_probe)::int as rows';
    try {
      await raw`select 1`;
      await other`select 1`;
      await client.ping();
      // postgres.js sends Parse, Describe, Flush behind the first: PgBouncer releases the server
      // at the first one's ReadyForQuery, and the describe's answer goes to the other client.
      const [, lost] = await race(
        () => raw.unsafe('select pg_sleep(0.2)'),
        () => raw.unsafe(probe, [41]),
      );
      expect(lost).not.toEqual([{ mine: 41, rows: 0 }]);
      // The db client gives a connection its next statement only after the answer.
      const [slept, mine, waited] = await race(
        () => client.db.execute(sql`select pg_sleep(0.2)`),
        () => client.db.execute(sql`select ${41}::int as mine, (select count(*) from pipeline_probe)::int as rows`),
      );
      expect(slept).toHaveLength(1);
      expect([...(mine as unknown as unknown[])]).toEqual([{ mine: 41, rows: 0 }]);
      expect(waited).toEqual([{ answer: 'other' }]);
    } finally {
      await raw.end({ timeout: 1 }).catch(() => {});
      await other.end({ timeout: 1 }).catch(() => {});
      await client.close().catch(() => {});
      await single.stop();
    }
  });

  it('the worker delivers a notification through it (outbox relay, fan-out and delivery transactions)', async () => {
    const service = await createService(http, admin);
    const url = webhooks.url();
    const channel = await createChannel(http, admin, 'webhook', url);
    const verified = await http.post(`/api/v1/me/channels/${channel.id}/verify`, { token: admin });
    expect(verified.status, verified.text).toBe(200);
    await setSubscriptions(http, admin, channel.id, { subscribe_to_all_services: true });
    const title = `Notified ${unique()}`;
    const opened = await http.post('/api/v1/events', {
      token: admin,
      body: {
        title,
        type: 'incident',
        status: 'investigating',
        severity: 'minor',
        description: 'delivered by the worker behind PgBouncer',
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'degraded' }],
      },
    });
    expect(opened.status, opened.text).toBe(201);
    await waitUntil(
      () => webhooks.received(url).some((request) => request.raw.includes(title)),
      45_000,
      `the webhook delivery (worker output:\n${workerOutput.slice(-2000)})`,
    );
    const delivery = webhooks.received(url).find((request) => request.raw.includes(title));
    expect(delivery?.headers['x-statuspage-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // The worker records the delivery as sent in its own transaction, through PgBouncer too.
    const deadline = Date.now() + 20_000;
    let state: string | undefined;
    while (state !== 'sent' && Date.now() < deadline) {
      const [row] = await onServer<{ state: string }[]>`
        select d.state from notification_deliveries d join notification_messages m on m.id = d.message_id
        where d.channel_id = ${channel.id} and m.event_id = ${opened.body.data.id}`;
      state = row?.state;
      if (state !== 'sent') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state).toBe('sent');
    expect(worker.exitCode).toBeNull();
  });
});
