/**
 * Uncached authenticated reads: the real api (startApiServer: pre-router, helmet, CORS, request
 * ids and JSON logs, the REST adapter, tRPC, the session or key lookup, core's queries, zod output
 * schemas) against a reference built here from the same stack — Express 5 + tRPC + trpc-to-openapi
 * with the same zod output schemas — whose procedures each run one prepared postgres.js query
 * returning the same rows, with no authentication, measured side by side in one run. Issue 14's
 * goal: the api ≥ 50 % of the reference on each path.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> pnpm bench:reads
 *
 * The scratch database is migrated and seeded, then given 60 incidents over 12 services (with
 * updates and status-log entries), so the lists have rows. The api is called with the seeded
 * admin's bearer access token (BENCH_AUTH=key: an admin API key). Both servers run in this process,
 * one under load at a time; autocannon runs in a child process. Besides requests/s the script prints
 * requests per second of this process's CPU (the throughput one saturated core gives) and both
 * ratios; the exit code is 1 when a ratio is below BENCH_TARGET.
 *
 * Settings: BENCH_DURATION (seconds per run, 6), BENCH_CONNECTIONS (64), BENCH_ROUNDS (2),
 * BENCH_TARGET (0.5), BENCH_PATHS (comma-separated names to run: events,event,status-log,users,services).
 */

import { startReadsReference } from '../apps/api/scripts/reads-reference';
import type { Database } from '../packages/db/src/client';
import { seedDevelopmentData } from '../packages/db/src/seed';
import { type LoadRun, load, startBenchApi } from './support.mts';

const {
  BENCH_DURATION = '6',
  BENCH_CONNECTIONS = '64',
  BENCH_ROUNDS = '2',
  BENCH_TARGET = '0.5',
  BENCH_AUTH = 'token',
  BENCH_PATHS,
  DATABASE_URL,
} = process.env;
if (!DATABASE_URL) throw new Error('DATABASE_URL: a scratch PostgreSQL database (it is migrated and seeded)');
const duration = Number(BENCH_DURATION);
const connections = Number(BENCH_CONNECTIONS);
const rounds = Number(BENCH_ROUNDS);
const target = Number(BENCH_TARGET);

const fmt = (value: number) => Math.round(value).toString();
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;

// ---------------------------------------------------------------- the api and its data
const api = await startBenchApi();
let closeReference = async () => {};
try {
  await api.db.migrate();
  await seedDevelopmentData(api.db.db as Database);
  const login = await fetch(`${api.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'admin123' }),
  });
  let token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: unknown }).data;
  };
  const existing = (await call('GET', '/api/v1/events?type=incident&limit=100')) as unknown[];
  if (existing.length < 60) {
    const services: { id: string }[] = [];
    for (let i = 0; i < 12; i += 1) {
      const slug = `bench-reads-${i}`;
      services.push(
        (await call('POST', '/api/v1/services', { name: `Bench ${i}`, slug }).catch(() =>
          call('GET', `/api/v1/services/${slug}`),
        )) as { id: string },
      );
    }
    for (let i = existing.length; i < 60; i += 1) {
      const affected = [services[i % 12], services[(i + 5) % 12]].map((service) => ({
        service_id: service?.id,
        status: 'partial_outage',
      }));
      const event = (await call('POST', '/api/v1/events', {
        title: `Bench incident ${i}`,
        type: 'incident',
        status: 'investigating',
        severity: 'minor',
        description: 'Requests to the API fail intermittently for some customers.',
        affected_services: affected,
      })) as { id: string };
      await call('POST', `/api/v1/events/${event.id}/updates`, { status: 'identified', message: 'A bad deploy.' });
      await call('POST', `/api/v1/events/${event.id}/updates`, { status: 'resolved', message: 'Rolled back.' });
    }
  }
  if (BENCH_AUTH === 'key') {
    const key = (await call('POST', '/api/v1/keys', { name: `bench ${Date.now()}`, role: 'admin' })) as {
      secret: string;
    };
    token = key.secret;
  }
  const events = (await call('GET', '/api/v1/events?type=incident')) as { id: string }[];
  const eventId = events[0]?.id ?? '';

  const referenceServer = await startReadsReference(DATABASE_URL);
  closeReference = referenceServer.close;
  const referenceUrl = referenceServer.url;

  const paths: Record<string, string> = {
    events: '/api/v1/events?type=incident',
    event: `/api/v1/events/${eventId}`,
    'status-log': '/api/v1/services/bench-reads-0/status-log',
    users: '/api/v1/users',
    services: '/api/v1/services',
  };
  const chosen = BENCH_PATHS ? BENCH_PATHS.split(',') : Object.keys(paths);
  const auth = [`authorization=Bearer ${token}`];

  console.log(
    `uncached reads, ${BENCH_AUTH === 'key' ? 'an admin API key' : "the admin's access token"}; ` +
      `${connections} connections, ${rounds} × ${duration} s per server and path, Node ${process.version}`,
  );
  let allMet = true;
  for (const name of chosen) {
    const path = paths[name];
    if (!path) throw new Error(`unknown path ${name}`);
    const ours = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const theirs = await fetch(`${referenceUrl}${path}`);
    const [ourBody, theirBody] = [await ours.text(), await theirs.text()];
    if (ours.status !== 200 || theirs.status !== 200) throw new Error(`${path}: ${ours.status} / ${theirs.status}`);
    const rows = (text: string) => {
      const data = (JSON.parse(text) as { data: unknown }).data as Record<string, unknown> | unknown[];
      if (Array.isArray(data)) return data.length;
      const list = Object.values(data).find(Array.isArray);
      return Array.isArray(list) ? list.length : 1;
    };
    if (rows(ourBody) !== rows(theirBody)) throw new Error(`${path}: ${rows(ourBody)} rows, reference ${rows(theirBody)}`);
    // Warm both.
    await load(`${referenceUrl}${path}`, { seconds: 2, connections });
    await load(`${api.url}${path}`, { seconds: 2, connections, headers: auth });
    const runs: { api: LoadRun[]; reference: LoadRun[] } = { api: [], reference: [] };
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['reference', 'api'] as const) : (['api', 'reference'] as const);
      for (const side of order) {
        const run =
          side === 'api'
            ? await load(`${api.url}${path}`, { seconds: duration, connections, headers: auth })
            : await load(`${referenceUrl}${path}`, { seconds: duration, connections });
        if (run.result.non2xx || run.result.errors) {
          throw new Error(`${side} ${path}: ${run.result.non2xx} non-2xx, ${run.result.errors} errors`);
        }
        runs[side].push(run);
      }
    }
    const mean = (list: LoadRun[], pick: (run: LoadRun) => number) =>
      list.reduce((sum, run) => sum + pick(run), 0) / list.length;
    const rate = (list: LoadRun[]) => mean(list, (run) => run.result.requests.average);
    const capacity = (list: LoadRun[]) => mean(list, (run) => run.perCpuSecond);
    const p99 = (list: LoadRun[]) => Math.max(...list.map((run) => run.result.latency.p99));
    const ratio = rate(runs.api) / rate(runs.reference);
    const capacityRatio = capacity(runs.api) / capacity(runs.reference);
    const met = ratio >= target && capacityRatio >= target;
    allMet &&= met;
    console.log(
      `${name.padEnd(10)} ${rows(ourBody).toString().padStart(3)} rows  ` +
        `api ${fmt(rate(runs.api)).padStart(6)} req/s ${fmt(capacity(runs.api)).padStart(6)} req/CPU-s p99 ${p99(runs.api)} ms | ` +
        `reference ${fmt(rate(runs.reference)).padStart(6)} req/s ${fmt(capacity(runs.reference)).padStart(6)} req/CPU-s p99 ${p99(runs.reference)} ms | ` +
        `ratio ${pct(ratio)} of req/s, ${pct(capacityRatio)} of req/CPU-s ${met ? 'ok' : `< ${pct(target)}`}`,
    );
  }
  process.exitCode = allMet ? 0 : 1;
} finally {
  await closeReference();
  await api.close();
}
