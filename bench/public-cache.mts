/**
 * Public read cache benchmark: cached `GET /api/v1/services` on
 * the real api (startApiServer: pre-router, security and CORS headers,
 * request ids) against a bare Node http server sending the same bytes,
 * measured side by side in one run. The uncached Express path (the same
 * request with a bearer token, which bypasses the cache) is measured too,
 * for scale.
 *
 *   pnpm bench
 *
 * Both servers run in this process (only one is under load at a time); the
 * load comes from autocannon in a child process, so on a 2-core machine each
 * side has a core. One autocannon process cannot always saturate a bare Node
 * server, so besides requests/s the script reports requests per second of
 * this process's CPU time (the throughput one saturated core would give) and
 * the ratio of both; the exit code is 1 when either is below BENCH_TARGET.
 *
 * Database: DATABASE_URL if set (a scratch database: the script migrates it
 * and seeds the development data), else PGlite in memory;
 * REDIS_URL if set (the invalidation subscriber runs). Settings:
 * BENCH_DURATION (seconds per run, 8), BENCH_CONNECTIONS (50), BENCH_ROUNDS
 * (2), BENCH_TARGET (0.4).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../packages/db/src/client';
import { seedDevelopmentData } from '../packages/db/src/seed';
import { type LoadRun, load, startBenchApi } from './support.mts';

// Run by hand, never by turbo: its settings need no place in turbo.json.
const { BENCH_DURATION = '8', BENCH_CONNECTIONS = '50', BENCH_ROUNDS = '2', BENCH_TARGET = '0.4' } = process.env;
const duration = Number(BENCH_DURATION);
const connections = Number(BENCH_CONNECTIONS);
const rounds = Number(BENCH_ROUNDS);
const target = Number(BENCH_TARGET);
const PATH = '/api/v1/services';

const fmt = (value: number) => Math.round(value).toString();
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const describe = (run: LoadRun) =>
  `${fmt(run.result.requests.average).padStart(7)} req/s  server CPU ${pct(run.cpuShare).padStart(7)}  ` +
  `${fmt(run.perCpuSecond).padStart(7)} req/CPU-s  p50 ${run.result.latency.p50} ms  p99 ${run.result.latency.p99} ms` +
  (run.result.non2xx || run.result.errors ? `  non-2xx ${run.result.non2xx} errors ${run.result.errors}` : '');

const api = await startBenchApi();
const bare = createServer();
try {
  if (api.db.driver !== 'pglite') await api.db.migrate();
  await seedDevelopmentData(api.db.db as Database);
  const body = Buffer.from(await (await fetch(`${api.url}${PATH}`)).arrayBuffer());
  bare.on('request', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${PATH}`;
  const apiUrl = `${api.url}${PATH}`;
  const headerCount = [...(await fetch(apiUrl)).headers.keys()].length;
  console.log(
    `GET ${PATH}: ${body.length} bytes; the api sends ${headerCount} headers, the bare server 5; ` +
      `${connections} connections, ${rounds} × ${duration} s per server, Node ${process.version}`,
  );

  // Warm both (JIT, connection pools, the cache entry).
  await load(bareUrl, { seconds: 2, connections });
  await load(apiUrl, { seconds: 2, connections });

  const runs: { bare: Run[]; api: Run[] } = { bare: [], api: [] };
  const before = api.publicCache.stats();
  for (let round = 0; round < rounds; round += 1) {
    // Alternate the order so that drift (other load on the machine) hits both sides alike.
    const order = round % 2 === 0 ? (['bare', 'api'] as const) : (['api', 'bare'] as const);
    for (const side of order) {
      const run = await load(side === 'bare' ? bareUrl : apiUrl, { seconds: duration, connections });
      runs[side].push(run);
      console.log(`  round ${round + 1} ${side.padEnd(4)} ${describe(run)}`);
    }
  }
  const after = api.publicCache.stats();
  const express = await load(apiUrl, {
    seconds: Math.min(duration, 5),
    connections,
    headers: ['authorization=Bearer bench-bypasses-the-cache'],
  });
  console.log(`  express path ${describe(express)}`);

  const mean = (list: Run[], pick: (run: Run) => number) => list.reduce((sum, run) => sum + pick(run), 0) / list.length;
  const rate = (list: Run[]) => mean(list, (run) => run.result.requests.average);
  const capacity = (list: Run[]) => mean(list, (run) => run.perCpuSecond);
  const ratio = rate(runs.api) / rate(runs.bare);
  const capacityRatio = capacity(runs.api) / capacity(runs.bare);
  const apiRequests = runs.api.reduce((sum, run) => sum + run.result.requests.total, 0);
  const failures = [...runs.bare, ...runs.api].reduce((sum, run) => sum + run.result.non2xx + run.result.errors, 0);
  const row = (label: string, list: Run[]) =>
    `${label.padEnd(18)} ${fmt(rate(list)).padStart(7)} req/s   ${fmt(capacity(list)).padStart(7)} req per server CPU-second`;

  console.log('');
  console.log(row('bare node http', runs.bare));
  console.log(row('api, cache hits', runs.api));
  console.log(row('api, Express path', [express]));
  console.log(
    `ratio cached/bare  ${pct(ratio)} of req/s, ${pct(capacityRatio)} of req per CPU-second (target ≥ ${pct(target)})`,
  );
  console.log(
    `cache: ${after.hits - before.hits} hits for ${apiRequests} api requests, ${after.misses - before.misses} misses; ` +
      `${failures} non-2xx or errors`,
  );
  process.exitCode = ratio >= target && capacityRatio >= target && failures === 0 ? 0 : 1;
} finally {
  bare.close();
  await api.close();
}
