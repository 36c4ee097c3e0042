import { createDb, type DbClient, services } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { isNull, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveStatusSql, hasActiveEventsSql, selectServicesWithStatus } from '../src/catalog/store';

// Effective status reads the active events only, whatever the history (bench/effective-status.mts
// times it): the plan PostgreSQL can choose must reach them through the partial index of active
// events and event_services' primary key. Should the events module count a status as active that
// the index's condition (its migration) leaves out, PostgreSQL could no longer use it, and this fails.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: DbClient;

beforeAll(async () => {
  database = await createTestDatabase('sp_effective_plan');
  client = await createDb({ url: database.url, poolSize: 1 });
}, 60_000);
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

/** What a plan reads: `Node Type` and the relation or index of every scan. */
function scans(node: Record<string, unknown>, found: string[] = []): string[] {
  const target = node['Index Name'] ?? node['Relation Name'];
  if (typeof target === 'string') found.push(`${node['Node Type']} ${target}`);
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) scans(child, found);
  return found;
}

async function planOf(statement: SQL) {
  return client.db.transaction(async (tx) => {
    // Only what the statement allows: on an empty database a sequential scan would always be cheapest.
    await tx.execute(sql`set local enable_seqscan = off`);
    const result = (await tx.execute(sql`explain (format json) ${statement}`)) as unknown as {
      'QUERY PLAN': { Plan: Record<string, unknown> }[];
    }[];
    const plan = result[0]?.['QUERY PLAN'][0]?.Plan;
    if (!plan) throw new Error('no plan');
    return scans(plan);
  });
}

describe('catalog effective status query', () => {
  it('reaches the active events through events_active_idx and event_services by event, never by service', async () => {
    const statement = selectServicesWithStatus(client.db, {
      id: services.id,
      status: effectiveStatusSql,
      active: hasActiveEventsSql,
    })
      .where(isNull(services.archivedAt))
      .getSQL();
    const read = await planOf(statement);
    expect(read).toContainEqual(expect.stringMatching(/ events_active_idx$/));
    expect(read).toContainEqual(expect.stringMatching(/ event_services_event_id_service_id_pk$/));
    // Neither every event nor each service's history (a sequential scan is what PostgreSQL falls back to);
    // a bitmap heap scan reads what the index scan below it found.
    const reads = read.filter((scan) => !scan.startsWith('Bitmap Heap Scan'));
    expect(reads.filter((scan) => / (events|event_services)(_|$)/.test(scan))).toEqual([
      expect.stringMatching(/ events_active_idx$/),
      expect.stringMatching(/ event_services_event_id_service_id_pk$/),
    ]);
  });
});
