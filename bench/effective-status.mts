/**
 * Effective status of 1,000 services under 200 active events: the one query that computes it for
 * every service (`effectiveStatusSql` of packages/core/src/catalog/store.ts) and the services list
 * query the public reads run (`selectServiceViews`, which adds `has_active_events` and the groups),
 * each timed over many runs (median, p95) — and one service by slug, the same statement —, then
 * the plans of the first two (`EXPLAIN (ANALYZE, BUFFERS)`).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> pnpm bench:effective
 *   pnpm bench:effective        (no DATABASE_URL: PGlite in memory)
 *
 * The shape (each number can be changed, see below): 1,000 services in 50 groups (each service in
 * one group, every fifth in a second one: ~24 services per group); a history of 5,000 closed
 * events (4 in 5 resolved incidents, 1 in 5 completed maintenances, 1 to 8 services each) — what
 * a few years of a large page leave behind, and what every service's index entries still point
 * at; 200 active events opened through the events use-case, as the api opens them: 140 incidents
 * (investigating, identified, monitoring; 1 to 10 services with their own statuses, every tenth
 * also a whole group as degraded) and 60 maintenances in progress (a third of them a whole group,
 * the others 5 to 20 services); and 30 maintenances scheduled ahead (not active).
 *
 * DATABASE_URL must name a scratch database without services (it is migrated first); the rows the
 * benchmark created are deleted at the end (BENCH_KEEP_DB=1 keeps them for a closer look).
 */

import { createRequire } from 'node:module';
import { type CreateEventInput, CreateEventInput as CreateEventSchema } from '../packages/contracts/src/index';
import { effectiveStatusSql, selectServicesWithStatus, serviceListStatement } from '../packages/core/src/catalog/store';
import { selectServiceViews } from '../packages/core/src/catalog/views';
import { createCore } from '../packages/core/src/index';
import { createDb, services, users } from '../packages/db/src/index';

// drizzle-orm is a dependency of the packages, not of the repository's root.
const { asc, isNull, sql } = createRequire(new URL('../packages/core/package.json', import.meta.url))(
  'drizzle-orm',
) as typeof import('../packages/core/node_modules/drizzle-orm');
type SQL = import('../packages/core/node_modules/drizzle-orm').SQL;

const env = process.env;
const SERVICES = Number(env.BENCH_SERVICES ?? 1000);
const GROUPS = Number(env.BENCH_GROUPS ?? 50);
const CLOSED = Number(env.BENCH_CLOSED_EVENTS ?? 5000);
const INCIDENTS = Number(env.BENCH_INCIDENTS ?? 140);
const MAINTENANCES = Number(env.BENCH_MAINTENANCES ?? 60);
const SCHEDULED = 30;
const RUNS = Number(env.BENCH_RUNS ?? 300);
const tag = `bench-eff-${Date.now().toString(36)}`;

const client = await createDb(env.DATABASE_URL ? { url: env.DATABASE_URL, poolSize: 2 } : { dataDir: 'memory://' });
const db = client.db;
/** Rows of a raw statement, whichever the driver (postgres.js answers an array, PGlite `{ rows }`). */
async function rows<T>(statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
const ms = (start: number) => performance.now() - start;
function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, min ${at(0).toFixed(2)} ms, max ${at(1).toFixed(2)} ms`;
}

await client.migrate();
const [existing] = await rows<{ count: number }>(sql`select count(*)::int as count from services`);
if ((existing?.count ?? 0) > 0) {
  console.error(
    `DATABASE_URL holds ${existing?.count} services: give the benchmark a scratch database (createdb sp_bench_effective)`,
  );
  await client.close();
  process.exit(1);
}

const core = createCore({
  db,
  identity: { accessTtlSeconds: 900, refreshTtlSeconds: 86_400, resetTtlSeconds: 3600, resetCooldownSeconds: 300 },
  notifications: {
    settings: {
      availableTypes: ['mattermost'],
      codeTtlSeconds: 600,
      maxCodeAttempts: 5,
      resendCooldownSeconds: 60,
      maxCodesPerAddressPerHour: 5,
      maxCodesPerUserPerHour: 10,
      subscriberMailCooldownSeconds: 60,
      maxPendingSubscribersPerIp: 5,
    },
    probe: {
      telegramStarted: async () => false,
      telegram: async () => {},
      mattermost: async () => {},
      webhook: async () => {},
      addressRefusal: () => undefined,
    },
    secret: 'bench-secret-bench-secret-bench-secret',
  },
});

try {
  let started = performance.now();
  const [admin] = await db
    .insert(users)
    .values({ email: `${tag}@example.test`, passwordHash: 'x', role: 'admin' })
    .returning({ id: users.id });
  const adminId = admin?.id ?? '';
  await rows(sql`
    insert into services (name, slug, "order", created_at)
    select 'Service ' || i, ${tag} || '-s' || i, i, now() - interval '3 years'
    from generate_series(1, ${SERVICES}::int) as i`);
  await rows(sql`
    insert into service_groups (name, slug, "order")
    select 'Group ' || g, ${tag} || '-g' || g, g from generate_series(1, ${GROUPS}::int) as g`);
  // Each service in group (order mod GROUPS); every fifth also in a second one.
  await rows(sql`
    insert into service_group_members (service_id, group_id)
    select s.id, g.id from services s join service_groups g on g."order" = 1 + s."order" % ${GROUPS}::int
    union
    select s.id, g.id from services s join service_groups g on g."order" = 1 + (s."order" * 7 + 3) % ${GROUPS}::int
    where s."order" % 5 = 0`);

  // The history: closed events, 1 to 8 services each, spread over the past three years.
  await rows(sql`
    insert into events (title, type, status, severity, description, started_at, resolved_at, created_at, updated_at)
    select ${tag} || ' past ' || g,
      (case when g % 5 = 0 then 'maintenance' else 'incident' end)::event_type,
      (case when g % 5 = 0 then 'completed' else 'resolved' end)::event_status,
      (case when g % 5 = 0 then null else (array['minor','major','critical'])[1 + g % 3] end)::event_severity,
      '', t, t + interval '2 hours', t, t + interval '2 hours'
    from generate_series(1, ${CLOSED}::int) as g,
      lateral (select now() - interval '3 years' + g * (interval '3 years' / ${CLOSED}::int) as t) as at`);
  await rows(sql`
    insert into event_services (event_id, service_id, status, added_at)
    select e.id, s.id, (array['degraded','partial_outage','major_outage','maintenance'])[1 + (e.n + k) % 4]::service_status, e.created_at
    from (select id, created_at, row_number() over (order by created_at, id)::int as n
          from events where status in ('resolved', 'completed')) as e
    cross join lateral generate_series(0, e.n % 8) as k
    join services s on s."order" = 1 + (e.n * 37 + k * 131) % ${SERVICES}::int`);
  const groupIds = (
    await rows<{ id: string }>(sql`select id from service_groups where slug like ${`${tag}-g%`} order by "order"`)
  ).map((row) => row.id);
  const serviceIds = (
    await rows<{ id: string }>(sql`select id from services where slug like ${`${tag}-s%`} order by "order"`)
  ).map((row) => row.id);
  const serviceAt = (index: number) => serviceIds[index % serviceIds.length] as string;
  const groupAt = (index: number) => groupIds[index % groupIds.length] as string;
  console.log(
    `${client.driver}: seeded ${SERVICES} services, ${GROUPS} groups, ${CLOSED} closed events in ${(ms(started) / 1000).toFixed(1)} s`,
  );

  // The active events, through the use-case (group expansion, explicit statuses winning, status log).
  started = performance.now();
  const statuses = ['degraded', 'partial_outage', 'major_outage'] as const;
  const hour = 3_600_000;
  const open = (input: Record<string, unknown>) =>
    core.events.create(adminId, CreateEventSchema.parse(input) as CreateEventInput);
  for (let i = 0; i < INCIDENTS; i++) {
    const count = 1 + (i % 10);
    await open({
      title: `Incident ${i}`,
      type: 'incident',
      status: (['investigating', 'identified', 'monitoring'] as const)[i % 3],
      severity: (['minor', 'major', 'critical'] as const)[i % 3],
      description: 'bench',
      affected_services: Array.from({ length: count }, (_, k) => ({
        service_id: serviceAt(i * 53 + k * 17),
        status: statuses[(i + k) % 3],
      })),
      affected_groups: i % 10 === 0 ? [{ group_id: groupAt(i * 3), status: 'degraded' }] : [],
    });
  }
  for (let j = 0; j < MAINTENANCES; j++) {
    const count = 5 + (j % 16);
    await open({
      title: `Maintenance ${j}`,
      type: 'maintenance',
      status: 'in_progress',
      description: 'bench',
      scheduled_start_at: new Date(Date.now() - hour).toISOString(),
      scheduled_end_at: new Date(Date.now() + 2 * hour).toISOString(),
      affected_services:
        j % 3 === 0
          ? []
          : Array.from({ length: count }, (_, k) => ({
              service_id: serviceAt(j * 97 + k * 29 + 500),
              status: 'maintenance',
            })),
      affected_groups: j % 3 === 0 ? [{ group_id: groupAt(j * 7 + 1), status: 'maintenance' }] : [],
    });
  }
  for (let j = 0; j < SCHEDULED; j++) {
    await open({
      title: `Planned ${j}`,
      type: 'maintenance',
      status: 'scheduled',
      description: 'bench',
      scheduled_start_at: new Date(Date.now() + (24 + j) * hour).toISOString(),
      scheduled_end_at: new Date(Date.now() + (26 + j) * hour).toISOString(),
      affected_services: [{ service_id: serviceAt(j * 11), status: 'maintenance' }],
    });
  }
  await rows(sql`analyze`);
  const [shape] = await rows<{ active: number; active_rows: number; all_rows: number; in_active: number }>(sql`
    select (select count(*)::int from events where status not in ('resolved','completed','scheduled')) as active,
      (select count(*)::int from event_services es join events ev on ev.id = es.event_id
        where ev.status not in ('resolved','completed','scheduled')) as active_rows,
      (select count(*)::int from event_services) as all_rows,
      (select count(distinct es.service_id)::int from event_services es join events ev on ev.id = es.event_id
        where ev.status not in ('resolved','completed','scheduled')) as in_active`);
  console.log(
    `opened ${INCIDENTS + MAINTENANCES + SCHEDULED} events through the use-case in ${(ms(started) / 1000).toFixed(1)} s: ` +
      `${shape?.active} active with ${shape?.active_rows} service rows (${shape?.in_active} services in an active event), ` +
      `${shape?.all_rows} event_services rows in all`,
  );

  // 1. Effective status of every service: the one expression, over the services list.
  const effectiveQuery = selectServicesWithStatus(db, { id: services.id, effectiveStatus: effectiveStatusSql })
    .where(isNull(services.archivedAt))
    .orderBy(asc(services.order), asc(services.name), asc(services.id));
  const effective = effectiveQuery.prepare('bench_effective_status');
  // 2. The services list of the public reads (selectServiceViews: effective status, has_active_events, groups).
  const list = () => selectServiceViews(db);

  const result = await effective.execute();
  const byStatus = new Map<string, number>();
  for (const row of result) byStatus.set(row.effectiveStatus, (byStatus.get(row.effectiveStatus) ?? 0) + 1);
  console.log(
    `effective statuses of ${result.length} services: ${[...byStatus].map(([status, n]) => `${status} ${n}`).join(', ')}`,
  );
  const listed = await list();
  const mismatches = listed.filter((service, i) => service.effective_status !== result[i]?.effectiveStatus).length;
  if (mismatches > 0) throw new Error(`the two queries disagree on ${mismatches} services`);

  for (const [name, run] of [
    ['effective status of every service (effectiveStatusSql)', () => effective.execute()],
    ['services list (selectServiceViews)', list],
    // One service (the `/services/{slug}` read): the same statement with a slug.
    ['one service by slug (selectServiceViews)', () => selectServiceViews(db, { slug: `${tag}-s500` })],
  ] as const) {
    for (let i = 0; i < 30; i++) await run(); // warm-up: plans cached, pages in memory
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const at = performance.now();
      await run();
      times.push(ms(at));
    }
    console.log(`${name}, ${RUNS} runs, round trip: ${stats(times)}`);
  }

  for (const [name, statement] of [
    ['effective status of every service', effectiveQuery.getSQL()],
    ['services list', serviceListStatement(db).getSQL()],
  ] as const) {
    const plan = await rows<{ 'QUERY PLAN': string }>(sql`explain (analyze, buffers) ${statement}`);
    console.log(`plan of the ${name}:`);
    for (const line of plan) console.log(`  ${line['QUERY PLAN']}`);
  }
} finally {
  if (env.BENCH_KEEP_DB) {
    console.log(`kept the benchmark's rows (tag ${tag})`);
  } else {
    await rows(sql`delete from events where created_by = (select id from users where email = ${`${tag}@example.test`})
      or title like ${`${tag} past %`}`);
    await rows(sql`delete from services where slug like ${`${tag}-%`}`);
    await rows(sql`delete from service_groups where slug like ${`${tag}-%`}`);
    await rows(sql`delete from users where email = ${`${tag}@example.test`}`);
  }
  await client.close();
}
