/**
 * Notification fan-out benchmark (the requirement: "fan-out of one event to 10,000
 * subscribers must not block the api request that caused it"): one incident
 * with notify_subscribers on a service that 10,000 verified e-mail channels
 * follow, sent by the real worker (its own process, as deployed) through a
 * local SMTP server (smtp-server, in this process, counting messages).
 *
 *   pnpm bench:fanout
 *
 * It prints how long the api's write took (the use-case the api calls, with
 * its outbox row), how long until every delivery was enqueued (outbox relay +
 * fan-out: one insert…select and bulk adds), and delivered messages per second.
 *
 * Needs PostgreSQL (TEST_DATABASE_URL: a server on which it creates and drops
 * a scratch database; default postgres://postgres@127.0.0.1:5432/postgres)
 * and Redis (REDIS_URL, default redis://127.0.0.1:6379; its keys get a unique
 * prefix, removed afterwards). Settings: BENCH_RECIPIENTS (10000),
 * BENCH_CONCURRENCY (the worker's WORKER_CONCURRENCY, 20), BENCH_SMTP_CONNECTIONS
 * (pooled SMTP connections, 5), BENCH_WORKER_NODE_ARGS (extra node flags for
 * the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). Exits with 1 unless
 * every recipient got the message exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeSmtp } from '../apps/worker/test/support/smtp';
import { CreateEventInput, CreateServiceInput } from '../packages/contracts/src/index';
import { createCore } from '../packages/core/src/index';
import { createDb } from '../packages/db/src/client';
import { createTestDatabase } from '../packages/db/src/testing';

const {
  BENCH_RECIPIENTS = '10000',
  BENCH_CONCURRENCY = '20',
  BENCH_SMTP_CONNECTIONS = '5',
  BENCH_WORKER_NODE_ARGS = '',
  REDIS_URL = 'redis://127.0.0.1:6379',
} = process.env;
const recipients = Number(BENCH_RECIPIENTS);
const workerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'worker');
// postgres.js and ioredis are the worker's dependencies; load them from there.
const requireFromWorker = createRequire(path.join(workerDir, 'package.json'));
const postgres = requireFromWorker('postgres') as typeof import('postgres').default;
const { Redis } = requireFromWorker('ioredis') as typeof import('ioredis');

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function startWorker(env: Record<string, string>) {
  // BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the worker.
  const nodeArgs = BENCH_WORKER_NODE_ARGS.split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: workerDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        lines.push({ ...JSON.parse(line), receivedAt: Date.now() });
      } catch {
        process.stderr.write(`${line}\n`);
      }
      newline = buffer.indexOf('\n');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const waitForLog = async (message: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = lines.find((entry) => entry.msg === message);
      if (line) return line;
      if (child.exitCode !== null) throw new Error(`worker exited before "${message}"`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${message}"`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { child, exited, waitForLog };
}

async function main() {
  console.log(`fan-out benchmark: 1 incident → ${recipients} e-mail channels (Node ${process.version})`);
  const database = await createTestDatabase('sp_bench_fanout');
  const prefix = `sp-bench-${randomBytes(4).toString('hex')}`;
  const smtp = await startFakeSmtp();
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const client = await createDb({ url: database.url, poolSize: 4 });
  let worker: ReturnType<typeof startWorker> | undefined;
  try {
    const core = createCore({
      db: client.db,
      identity: { accessTtlSeconds: 900, refreshTtlSeconds: 86_400, resetTtlSeconds: 3600, resetCooldownSeconds: 300 },
      notifications: {
        settings: {
          availableTypes: ['email'],
          codeTtlSeconds: 900,
          maxCodeAttempts: 5,
          resendCooldownSeconds: 60,
        },
        probe: { telegram: async () => {}, mattermost: async () => {} },
        secret: 'bench-secret-0123456789abcdef',
        defaultEmailChannel: true,
      },
    });
    const operator = await core.auth.register({ email: 'operator@bench.test', password: 'correct-horse-1' });
    const service = await core.services.create(
      operator.id,
      CreateServiceInput.parse({ name: 'Checkout', slug: 'checkout' }),
    );
    // Accounts in bulk (argon2 for 10,000 registrations would take minutes); the event goes through the use-case.
    await sql`
      with u as (
        insert into users (email, password_hash)
        select 'subscriber-' || g || '@bench.test', 'not-a-password-hash' from generate_series(1, ${recipients}::int) g
        returning id, email
      ), c as (
        insert into notification_channels (user_id, type, target, is_verified, is_default)
        select id, 'email', email, true, true from u returning id
      )
      insert into channel_subscriptions (channel_id, service_id) select id, ${service.id}::uuid from c`;

    worker = startWorker({
      DATABASE_URL: database.url,
      REDIS_URL,
      WORKER_QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: BENCH_CONCURRENCY,
      NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
      NOTIFICATIONS_EMAIL_SMTP_MAX_CONNECTIONS: BENCH_SMTP_CONNECTIONS,
      APP_SECRET: 'bench-secret-0123456789abcdef',
      LOG_LEVEL: 'info',
    });
    await worker.waitForLog('worker started: relaying the outbox and delivering notifications');

    const cpuBefore = process.cpuUsage();
    const t0 = Date.now();
    const incident = await core.events.create(
      operator.id,
      CreateEventInput.parse({
        title: 'Checkout is down',
        type: 'incident',
        status: 'investigating',
        severity: 'critical',
        description: 'Payments fail for every customer; we are on it.',
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'major_outage' }],
      }),
    );
    const apiWriteMs = Date.now() - t0;
    const fanned = await worker.waitForLog('message fanned out');
    const enqueuedMs = (fanned.receivedAt as number) - t0;
    // The incident's messages only (the operator's registration sends a confirmation code of its own).
    const incidentMails = () => smtp.messages.filter((mail) => mail.to.some((to) => to.startsWith('subscriber-')));
    const deadline = Date.now() + 600_000;
    while (incidentMails().length < recipients) {
      if (Date.now() > deadline) throw new Error(`only ${incidentMails().length} of ${recipients} messages arrived`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const mails = incidentMails();
    const firstAt = mails[0]?.at ?? t0;
    const lastAt = mails[mails.length - 1]?.at ?? t0;
    const [states] = await sql<{ sent: number; other: number }[]>`
      select count(*) filter (where d.state = 'sent')::int as sent, count(*) filter (where d.state <> 'sent')::int as other
      from notification_deliveries d join notification_messages m on m.id = d.message_id
      where m.event_id = ${incident.id}::uuid`;
    const unique = new Set(mails.flatMap((mail) => mail.to)).size;
    const smtpCpu = process.cpuUsage(cpuBefore);

    console.log(`api write (events.create + outbox row, notify_subscribers): ${apiWriteMs} ms`);
    console.log(
      `all ${fanned.deliveries} deliveries enqueued: ${seconds(enqueuedMs)} after the write (fan-out job itself: ${fanned.ms} ms)`,
    );
    console.log(`first message at ${seconds(firstAt - t0)}, last at ${seconds(lastAt - t0)}`);
    console.log(
      `delivered: ${mails.length} messages to ${unique} addresses; ${Math.round(
        mails.length / ((lastAt - t0) / 1000),
      )} messages/s end to end (${Math.round(mails.length / ((lastAt - firstAt) / 1000))}/s from the first message)`,
    );
    console.log(
      `SMTP sessions opened: ${smtp.sessions()}; SMTP server CPU: ${seconds((smtpCpu.user + smtpCpu.system) / 1000)}`,
    );
    console.log(`delivery rows: ${states?.sent} sent, ${states?.other} not sent`);
    if (states?.sent !== recipients || unique !== recipients || mails.length !== recipients) process.exitCode = 1;
  } finally {
    if (worker) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await sql.end({ timeout: 5 });
    await client.close();
    await smtp.close();
    await database.drop();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

await main();
