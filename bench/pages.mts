/**
 * Public pages benchmark, on the real api (startApiServer):
 *
 * 1. page weight: `/` for 50 services with 90 days of history, raw and
 *    compressed (gzip and brotli, as a reverse proxy or CDN would send it);
 * 2. cached `/` (pre-router cache hits) against a bare Node http server
 *    sending the same bytes, as in bench/public-cache.mts;
 * 3. the first render after a write for 1,000 services with 90 days of
 *    history: a write clears the cache, the next GET renders the page
 *    (database reads and HTML); its time as the client sees it on the
 *    loopback, and the server's own time (from the request's arrival to the
 *    last byte handed to the socket, timed on the api's HTTP server): the
 *    limit applies to that one. Also printed: the round trip against a cache
 *    hit's, and the process's CPU time (less disturbed by a busy machine).
 *
 *   pnpm bench:pages
 *
 * Database: DATABASE_URL if set (a scratch database: the script migrates it
 * and seeds the development data), else PGlite in memory. The history is
 * made by back-dating each service's first status-log entry 91 days and
 * adding a few outages; the uptime rollup is rebuilt from the log on its
 * first read. Settings: BENCH_DURATION (seconds per throughput run, 8),
 * BENCH_CONNECTIONS (50), BENCH_RENDERS (20 renders after a write),
 * BENCH_WEIGHT_LIMIT (61,440 bytes compressed), BENCH_RENDER_LIMIT (50 ms).
 * The exit code is 1 when a limit is exceeded.
 */

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Database } from '../packages/db/src/client';
import { developmentAccounts, seedDevelopmentData } from '../packages/db/src/seed';
import { load, startBenchApi } from './support.mts';

const {
  BENCH_DURATION = '8',
  BENCH_CONNECTIONS = '50',
  BENCH_RENDERS = '20',
  BENCH_WEIGHT_LIMIT = '61440',
  BENCH_RENDER_LIMIT = '50',
} = process.env;
const duration = Number(BENCH_DURATION);
const connections = Number(BENCH_CONNECTIONS);

// drizzle-orm is a dependency of the api, not of the repository's root.
const { sql } = createRequire(new URL('../apps/api/package.json', import.meta.url))(
  'drizzle-orm',
) as typeof import('drizzle-orm');

const api = await startBenchApi({ RATE_LIMIT_AUTH_PER_IP: '1000' });
const db = api.db.db as Database;
const bare = createServer();
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : ((await response.json()) as { data: any }).data;
}

/** Adds services until there are `total` (spread over three new groups), with 90 days of history. */
async function growCatalogue(token: string, total: number) {
  const existing = (await call('GET', '/api/v1/services', token)) as { id: string }[];
  const groups: string[] = [];
  for (const name of ['Regions', 'Integrations', 'Internal tools']) {
    const slug = `${name.toLowerCase().replace(/\s+/g, '-')}-${randomBytes(2).toString('hex')}`;
    groups.push((await call('POST', '/api/v1/groups', token, { name, slug })).id);
  }
  for (let index = existing.length; index < total; index += 1) {
    await call('POST', '/api/v1/services', token, {
      name: `Service ${index + 1}`,
      slug: `bench-service-${index + 1}-${randomBytes(2).toString('hex')}`,
      description: 'A service of the benchmark catalogue.',
      group_ids: [groups[index % groups.length]],
      order: index,
    });
  }
  // History: every service existed 91 days ago; some had an outage now and then.
  await db.execute(sql`update service_status_log set created_at = created_at - interval '91 days'
    where id in (select distinct on (service_id) id from service_status_log order by service_id, created_at)`);
  await db.execute(sql`update services set created_at = created_at - interval '91 days'`);
  await db.execute(sql`insert into service_status_log (service_id, old_status, new_status, effective_status, source_type, created_at)
    select s.id, 'operational', o.status::service_status, o.status::service_status, 'manual', now() - (o.days || ' days')::interval
      from services s cross join (values ('degraded', 80), ('operational', 79.9), ('major_outage', 45), ('operational', 44.95),
        ('partial_outage', 12), ('operational', 11.8)) as o(status, days)
     where abs(hashtext(s.id::text)) % 3 = 0`);
  await db.execute(sql`delete from service_status_days`);
  await db.execute(sql`delete from service_status_day_zones`);
  // What autovacuum does soon after a table grows this much: plans from the catalogue's real size.
  await db.execute(sql`analyze`);
  api.publicCache.clear('benchmark history');
}

const admin = developmentAccounts[0];
try {
  if (api.db.driver !== 'pglite') await api.db.migrate();
  await seedDevelopmentData(db);
  const login = await fetch(`${api.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const [firstService] = (await call('GET', '/api/v1/services', token)) as { id: string; slug: string; name: string }[];
  if (!firstService) throw new Error('the seed made no services');
  await call('POST', '/api/v1/events', token, {
    title: 'Elevated error rates',
    type: 'incident',
    status: 'identified',
    severity: 'major',
    description: 'Some requests fail.',
    affected_services: [{ service_id: firstService.id, status: 'partial_outage' }],
  });

  // 1. Weight for 50 services.
  await growCatalogue(token, 50);
  const page = Buffer.from(await (await fetch(`${api.url}/`, { headers: { 'accept-language': 'en' } })).arrayBuffer());
  const gzip = gzipSync(page, { level: 6 }).length;
  const brotli = brotliCompressSync(page, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length;
  const runs = [...page.toString().matchAll(/<li class="u-[a-z_]+ n(\d+)"/g)];
  const cells = runs.reduce((sum, run) => sum + Number(run[1]), 0);
  console.log(`GET / for 50 services (${cells} day cells drawn by ${runs.length} elements), Node ${process.version}`);
  console.log(`  weight: ${kb(page.length)} raw, ${kb(gzip)} gzip (level 6), ${kb(brotli)} brotli (quality 5)`);
  const weightOk = Math.max(gzip, brotli) <= Number(BENCH_WEIGHT_LIMIT);

  // 2. Cached / against bare node.
  bare.on('request', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length });
    res.end(page);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  const headers = ['accept-language=en'];
  await load(bareUrl, { seconds: 2, connections, headers });
  await load(`${api.url}/`, { seconds: 2, connections, headers });
  const bareRun = await load(bareUrl, { seconds: duration, connections, headers });
  const apiRun = await load(`${api.url}/`, { seconds: duration, connections, headers });
  const line = (label: string, run: Awaited<ReturnType<typeof load>>) =>
    `  ${label.padEnd(16)} ${Math.round(run.result.requests.average).toString().padStart(6)} req/s  ` +
    `${Math.round(run.perCpuSecond).toString().padStart(6)} req/CPU-s  p50 ${run.result.latency.p50} ms  p99 ${run.result.latency.p99} ms` +
    (run.result.non2xx || run.result.errors ? `  non-2xx ${run.result.non2xx} errors ${run.result.errors}` : '');
  console.log(`cached GET / (${connections} connections, ${duration} s each):`);
  console.log(line('bare node http', bareRun));
  console.log(line('api, cache hits', apiRun));
  console.log(
    `  ratio: ${((apiRun.result.requests.average / bareRun.result.requests.average) * 100).toFixed(1)} % of bare req/s`,
  );

  // 3. First render after a write, 1,000 services.
  await growCatalogue(token, 1000);
  await fetch(`${api.url}/`); // builds the rollup of the page's time zone once
  // The server's own time for each request: from its arrival to the last byte handed to the socket.
  const serverTimes: number[] = [];
  api.server.on('request', (_req, res) => {
    const arrived = performance.now();
    res.on('finish', () => serverTimes.push(performance.now() - arrived));
  });
  const lastServerTime = () => serverTimes.at(-1) ?? Number.NaN;
  const renderServer: number[] = [];
  const renders: number[] = [];
  const hits: number[] = [];
  const renderCpu: number[] = [];
  const hitCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let bytes = 0;
  const statuses = ['degraded', 'operational'] as const;
  for (let round = 0; round < Number(BENCH_RENDERS); round += 1) {
    await call('PATCH', `/api/v1/services/${firstService.slug}`, token, {
      name: firstService.name,
      slug: firstService.slug,
      status: statuses[round % 2],
    });
    let cpu = process.cpuUsage();
    let started = performance.now();
    const response = await fetch(`${api.url}/`, { headers: { 'accept-language': 'en' } });
    bytes = (await response.arrayBuffer()).byteLength;
    renders.push(performance.now() - started);
    renderCpu.push(cpuMs(cpu));
    renderServer.push(lastServerTime());
    cpu = process.cpuUsage();
    started = performance.now();
    await (await fetch(`${api.url}/`, { headers: { 'accept-language': 'en' } })).arrayBuffer();
    hits.push(performance.now() - started);
    hitCpu.push(cpuMs(cpu));
  }
  const server = renders.map((value, index) => value - (hits[index] ?? 0));
  console.log(`first GET / after a write, 1,000 services (${kb(bytes)} raw), ${renders.length} writes:`);
  console.log(
    `  render: median ${median(renders).toFixed(1)} ms, p90 ${percentile(renders, 0.9).toFixed(1)} ms; ` +
      `a cache hit of the same page: median ${median(hits).toFixed(1)} ms; ` +
      `server time (render − hit): median ${median(server).toFixed(1)} ms, p90 ${percentile(server, 0.9).toFixed(1)} ms`,
  );
  // CPU time of this process (the api and the client; PostgreSQL is another process): less
  // disturbed than wall time when the machine is busy.
  const serverCpu = renderCpu.map((value, index) => value - (hitCpu[index] ?? 0));
  console.log(
    `  api CPU (render − hit, this process): median ${median(serverCpu).toFixed(1)} ms, p90 ${percentile(serverCpu, 0.9).toFixed(1)} ms; ` +
      `load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
  );
  console.log(
    `  server's own time (request arrival → response finished): median ${median(renderServer).toFixed(1)} ms, ` +
      `p90 ${percentile(renderServer, 0.9).toFixed(1)} ms`,
  );
  const renderOk = median(renderServer) <= Number(BENCH_RENDER_LIMIT);
  console.log(
    `limits: compressed weight ≤ ${kb(Number(BENCH_WEIGHT_LIMIT))} ${weightOk ? 'ok' : 'EXCEEDED'}; ` +
      `server time ≤ ${BENCH_RENDER_LIMIT} ms ${renderOk ? 'ok' : 'EXCEEDED'}`,
  );
  process.exitCode = weightOk && renderOk ? 0 : 1;
} finally {
  bare.close();
  await api.close();
}
