/**
 * The page for machines: what an answer costs when the public cache has to
 * build it (a miss: the use-case, its queries and the format library), and
 * what the cached answers hold under load, for the Statuspage summary, the
 * Atom feed, the maintenance calendar and a badge.
 *
 *   pnpm bench:syndication
 *
 * Data: the development seed plus BENCH_SERVICES services (24) and
 * BENCH_INCIDENTS resolved incidents (120, two updates each, so the lists and
 * feeds are full at 50) and 10 scheduled maintenances, created over HTTP.
 * Misses: BENCH_MISSES sequential requests per path (40), the cache cleared
 * before each. Hits: autocannon in a child process, BENCH_DURATION seconds
 * (5) with BENCH_CONNECTIONS (50). Database: DATABASE_URL if set (a scratch
 * database: migrated and seeded here), else PGlite in memory.
 */

import type { Database } from '../packages/db/src/client';
import { seedDevelopmentData } from '../packages/db/src/seed';
import { load, startBenchApi } from './support.mts';

// Run by hand, never by turbo.
const {
  BENCH_SERVICES = '24',
  BENCH_INCIDENTS = '120',
  BENCH_MISSES = '40',
  BENCH_DURATION = '5',
  BENCH_CONNECTIONS = '50',
} = process.env;
const PATHS = ['/api/v2/summary.json', '/api/v2/incidents.json', '/history.atom', '/maintenance.ics', '/badge.svg'];

const api = await startBenchApi({ RATE_LIMIT_AUTH_PER_IP: '1000' });
try {
  if (api.db.driver !== 'pglite') await api.db.migrate();
  await seedDevelopmentData(api.db.db as Database);
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
  const login = await call('POST', '/api/v1/auth/login', undefined, {
    email: 'admin@example.com',
    password: 'admin123',
  });
  const token = login.data.access_token as string;
  const groups = (await call('GET', '/api/v1/groups')).data.map((group: { id: string }) => group.id);
  const services: string[] = [];
  for (let index = 0; index < Number(BENCH_SERVICES); index += 1) {
    const created = await call('POST', '/api/v1/services', token, {
      name: `Bench service ${index}`,
      slug: `bench-${index}`,
      group_ids: [groups[index % groups.length]],
    });
    services.push(created.data.id);
  }
  const day = 86_400_000;
  for (let index = 0; index < Number(BENCH_INCIDENTS); index += 1) {
    const event = await call('POST', '/api/v1/events', token, {
      title: `Incident ${index}`,
      type: 'incident',
      status: 'investigating',
      severity: 'minor',
      description: 'Benchmark',
      affected_services: [{ service_id: services[index % services.length], status: 'degraded' }],
    });
    await call('POST', `/api/v1/events/${event.data.id}/updates`, token, { status: 'identified', message: 'Found it' });
    await call('POST', `/api/v1/events/${event.data.id}/updates`, token, { status: 'resolved', message: 'Fixed' });
  }
  for (let index = 0; index < 10; index += 1) {
    await call('POST', '/api/v1/events', token, {
      title: `Maintenance ${index}`,
      type: 'maintenance',
      status: 'scheduled',
      description: 'Planned',
      scheduled_start_at: new Date(Date.now() + (index + 1) * day).toISOString(),
      scheduled_end_at: new Date(Date.now() + (index + 1) * day + 3_600_000).toISOString(),
      affected_services: [{ service_id: services[index % services.length], status: 'maintenance' }],
    });
  }
  console.log(
    `${services.length + 4} services, ${BENCH_INCIDENTS} incidents (3 timeline entries each), 10 maintenances; ` +
      `${api.db.driver === 'pglite' ? 'PGlite' : 'PostgreSQL'}, Node ${process.version}`,
  );

  console.log(`\nmisses (cache cleared before each of ${BENCH_MISSES} sequential requests):`);
  for (const path of PATHS) {
    const times: number[] = [];
    let bytes = 0;
    for (let index = 0; index < Number(BENCH_MISSES); index += 1) {
      api.publicCache.invalidate('bench');
      const started = performance.now();
      const response = await fetch(`${api.url}${path}`);
      bytes = (await response.arrayBuffer()).byteLength;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1);
    console.log(`  ${path.padEnd(24)} ${String(bytes).padStart(7)} bytes  p50 ${p(0.5)} ms  p90 ${p(0.9)} ms`);
  }

  console.log(`\nhits (autocannon, ${BENCH_CONNECTIONS} connections, ${BENCH_DURATION} s):`);
  for (const path of ['/api/v2/summary.json', '/badge.svg']) {
    await fetch(`${api.url}${path}`);
    const { result } = await load(`${api.url}${path}`, {
      seconds: Number(BENCH_DURATION),
      connections: Number(BENCH_CONNECTIONS),
    });
    console.log(
      `  ${path.padEnd(24)} ${Math.round(result.requests.average).toString().padStart(7)} req/s  ` +
        `p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}`,
    );
  }
} finally {
  await api.close();
}
