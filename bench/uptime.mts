/**
 * Uptime of 1,000 services × 90 days over a status log of ~1M entries: seeds a scratch PostgreSQL
 * database (created on the test server and dropped afterwards), builds the per-day rollup for
 * UTC, then times `core.uptime.days` for all services and 90 days — the first read after a
 * status change and steady reads — and the status change itself (which refreshes the rollup in
 * its transaction), and prints the rollup query's plan.
 *
 *   pnpm bench:uptime            (BENCH_SERVICES=1000 BENCH_ENTRIES=1000 per service, BENCH_RUNS=30)
 */

import { createRequire } from 'node:module';
import { createCore } from '../packages/core/src/index';
import { createDb, users } from '../packages/db/src/index';
import { createTestDatabase } from '../packages/db/src/testing';

// The benchmark runs from the repository root: postgres.js comes from the db package.
const postgres = createRequire(new URL('../packages/db/package.json', import.meta.url))(
  'postgres',
) as typeof import('postgres').default;

const { BENCH_SERVICES = '1000', BENCH_ENTRIES = '1000', BENCH_RUNS = '30' } = process.env;
// BENCH_KEEP_DB=1 keeps the scratch database (its URL is printed) for a closer look.
const serviceCount = Number(BENCH_SERVICES);
const perService = Number(BENCH_ENTRIES);
const runs = Number(BENCH_RUNS);
const DAYS = 90;

const database = await createTestDatabase('sp_bench_uptime');
const client = await createDb({ url: database.url, poolSize: 4 });
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
const ms = (start: number) => performance.now() - start;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`;
};

try {
  let started = performance.now();
  await sql`
    insert into services (name, slug, "order", created_at)
    select 'Service ' || i, 'service-' || i, i, now() - interval '100 days'
    from generate_series(1, ${serviceCount}) as i`;
  // Entries every 100 days / perService apart (with jitter), alternating operational and an incident status.
  await sql`
    insert into service_status_log (service_id, old_status, new_status, effective_status, source_type, reason, created_at)
    select s.id, null, st.status, st.status, 'manual', 'bench',
      now() - interval '100 days' + (i * (interval '100 days' / ${perService})) + (random() * interval '30 minutes')
    from services s
    cross join generate_series(0, ${perService - 1}) as i
    cross join lateral (select (case when i % 2 = 0 then 'operational'
      else (array['degraded','partial_outage','major_outage','maintenance'])[1 + (i / 2) % 4] end)::service_status as status) st`;
  const [{ count }] = await sql`select count(*)::int as count from service_status_log`;
  console.log(
    `seeded ${serviceCount} services and ${count} status-log entries in ${(ms(started) / 1000).toFixed(1)} s`,
  );

  const core = createCore({
    db: client.db,
    identity: { accessTtlSeconds: 900, refreshTtlSeconds: 86_400, resetTtlSeconds: 3600, resetCooldownSeconds: 300 },
    notifications: {
      settings: {
        availableTypes: ['mattermost'],
        codeTtlSeconds: 600,
        maxCodeAttempts: 5,
        resendCooldownSeconds: 60,
        maxCodesPerAddressPerHour: 5,
        maxCodesPerUserPerHour: 10,
      },
      probe: { telegramStarted: async () => false, telegram: async () => {}, mattermost: async () => {} },
      secret: 'bench-secret-bench-secret-bench-secret',
    },
  });
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const query = { from, to: today, timeZone: 'UTC' };

  started = performance.now();
  await core.uptime.days(query);
  console.log(`first read in UTC (builds the rollup from the whole log): ${(ms(started) / 1000).toFixed(1)} s`);
  await sql`analyze`;
  const [{ rows }] = await sql`select count(*)::int as rows from service_status_days`;
  console.log(`rollup rows: ${rows}`);

  const [admin] = await client.db
    .insert(users)
    .values({ email: 'bench@example.test', passwordHash: 'x', role: 'admin' })
    .returning({ id: users.id });
  const statuses = ['major_outage', 'operational'] as const;
  const writes: number[] = [];
  const afterWrite: number[] = [];
  const afterWriteCpu: number[] = [];
  const steady: number[] = [];
  let cells = 0;
  for (let run = 0; run < runs; run++) {
    const n = 1 + (run % serviceCount);
    started = performance.now();
    await core.services.update(admin?.id ?? '', {
      slug: `service-${n}`,
      new_slug: `service-${n}`,
      name: `Service ${n}`,
      status: statuses[run % 2] ?? 'operational',
    });
    writes.push(ms(started));
    started = performance.now();
    const cpu = process.cpuUsage();
    const result = await core.uptime.days(query);
    afterWrite.push(ms(started));
    const used = process.cpuUsage(cpu);
    afterWriteCpu.push((used.user + used.system) / 1000);
    cells = result.reduce((sum, service) => sum + service.days.length, 0);
    started = performance.now();
    await core.uptime.days(query);
    steady.push(ms(started));
  }
  console.log(`${serviceCount} services × ${DAYS} days = ${cells} days per read, ${runs} runs`);
  console.log(`status change (with its rollup refresh): ${stats(writes)}`);
  console.log(`core.uptime.days, first read after a change: ${stats(afterWrite)}`);
  console.log(`  of which this process's CPU: ${stats(afterWriteCpu)}`);
  console.log(`core.uptime.days, steady: ${stats(steady)}`);

  const plan = await sql.unsafe(
    `explain (analyze, buffers) select service_id, month, array_to_string(seconds, ',')
     from service_status_days where time_zone = 'UTC' and month >= $1 and month <= $2`,
    [`${from.slice(0, 7)}-01`, today],
  );
  console.log('plan of the rollup read:');
  for (const line of plan) console.log(`  ${line['QUERY PLAN']}`);
} finally {
  await sql.end({ timeout: 5 });
  await client.close();
  if (process.env.BENCH_KEEP_DB) console.log(`kept ${database.url}`);
  else await database.drop();
}
