import { AdminCreateUserInput, UpdatePageSettingsInput } from '@statuspage/contracts';
import { auditEntries, type DbClient } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { desc, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedTables, pruneAuditEntries, triggerArguments, unauditedTables, withAuditContext } from '../src';
import { auditSetting, decodeCursor, encodeCursor, retentionCutoff } from '../src/audit/rules';
import { openDb, uptimeCore } from './support/uptime';

// The audit log over both engines: the triggers migration 0015 creates are the ones core's list
// names, every table is either audited or left out with a reason, secrets are never recorded, and
// the actor of a context reaches the entries of the transactions opened inside it.

describe('audit rules', () => {
  it('passes each table its markers in one order: secrets, destinations, bookkeeping', () => {
    expect(triggerArguments(auditedTables.notification_channels ?? { target: '', key: [] })).toEqual([
      'channel',
      'id',
      '-signing_secret',
      '@target',
      '~consecutive_failures',
      '~updated_at',
    ]);
    expect(triggerArguments({ target: 'group_member', key: ['group_id', 'service_id'] })).toEqual([
      'group_member',
      'group_id,service_id',
    ]);
  });

  it('reads back its own cursors only', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    for (const bad of [
      '',
      'abc',
      Buffer.from('a1:0').toString('base64url'),
      Buffer.from('a1:-3').toString('base64url'),
    ])
      expect(decodeCursor(bad)).toBeNull();
    expect(decodeCursor(Buffer.from('a1:99999999999999999').toString('base64url'))).toBeNull();
  });

  it('keeps everything with a retention of 0, else cuts at now minus the retention', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    expect(retentionCutoff(now, 0)).toBeNull();
    expect(retentionCutoff(now, 30 * 86_400)?.toISOString()).toBe('2026-11-04T12:00:00.000Z');
  });

  it('cuts what a setting carries to what its columns sensibly hold', () => {
    const setting = JSON.parse(
      auditSetting({ type: 'user', id: 'u', userId: null, label: 'x'.repeat(400) }, { operation: 'o'.repeat(300) }),
    );
    expect(setting).toEqual({
      type: 'user',
      id: 'u',
      user_id: null,
      label: 'x'.repeat(254),
      ip: null,
      request_id: null,
      operation: 'o'.repeat(128),
    });
  });
});

async function rowsOf<T>(client: DbClient, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await client.db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? [...result] : (result.rows ?? []);
}

/** Column names that say "secret": each must be redacted in an audited table (or be listed here, why not). */
const SECRET_NAME = /hash|secret|token|password|code/;
const notSecret: Record<string, string> = {
  'subscribers.token_version': 'a counter that invalidates manage links',
  'integrations.secret_prefix': "the secret's first characters, shown in lists to recognise it",
  'users.must_change_password': 'a flag',
};

describe.each([
  ['PostgreSQL', true],
  ['PGlite', false],
])('audit log on %s', (_engine, onServer) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let client: DbClient;
  let t: Awaited<ReturnType<typeof uptimeCore>>;
  beforeAll(async () => {
    if (onServer) database = await createTestDatabase('sp_audit');
    client = await openDb(database?.url);
    if (!onServer) await client.migrate();
    t = await uptimeCore(client, '2026-05-01T10:00:00Z');
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  const latest = async (count = 1) => client.db.select().from(auditEntries).orderBy(desc(auditEntries.id)).limit(count);
  const as = {
    actor: { type: 'user', id: 'u-1', userId: null, label: 'ada@example.test' },
    ip: '203.0.113.9',
  } as const;

  it('has the triggers core lists, with the same arguments, and no other', async () => {
    const triggers = await rowsOf<{ table: string; definition: string }>(
      client,
      sql`select c.relname as "table", pg_get_triggerdef(t.oid) as definition
          from pg_trigger t join pg_class c on c.oid = t.tgrelid where t.tgname = 'audit' order by 1`,
    );
    const found = Object.fromEntries(
      triggers.map(({ table, definition }) => {
        const args = /audit_row\((.*)\)$/.exec(definition)?.[1] ?? '';
        return [table, [...args.matchAll(/'([^']*)'/g)].map((match) => match[1])];
      }),
    );
    const expected = Object.fromEntries(
      Object.entries(auditedTables).map(([table, config]) => [table, triggerArguments(config)]),
    );
    expect(found).toEqual(expected);
    for (const definition of triggers.map((trigger) => trigger.definition))
      expect(definition).toMatch(/AFTER INSERT OR DELETE OR UPDATE .* FOR EACH ROW/);
  });

  it('audits every table or says why not', async () => {
    const tables = (
      await rowsOf<{ table_name: string }>(
        client,
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      )
    )
      .map((row) => row.table_name)
      .filter((name) => !name.startsWith('__drizzle'));
    const both = Object.keys(auditedTables).filter((name) => name in unauditedTables);
    expect(both).toEqual([]);
    expect([...tables].sort()).toEqual([...Object.keys(auditedTables), ...Object.keys(unauditedTables)].sort());
  });

  it('never records a column named like a secret by its value', async () => {
    const columns = await rowsOf<{ table_name: string; column_name: string }>(
      client,
      sql`select table_name, column_name from information_schema.columns where table_schema = 'public'`,
    );
    const exposed = columns
      .filter(({ table_name, column_name }) => {
        const config = auditedTables[table_name];
        if (!config || !SECRET_NAME.test(column_name)) return false;
        return !config.secrets?.includes(column_name) && !(`${table_name}.${column_name}` in notSecret);
      })
      .map(({ table_name, column_name }) => `${table_name}.${column_name}`);
    expect(exposed).toEqual([]);
  });

  it('attributes a change to the context it was made in, with only the fields that changed', async () => {
    const service = await withAuditContext({ ...as, operation: 'services.create' }, () => t.service());
    const [created] = await latest();
    expect(created).toMatchObject({
      actorType: 'user',
      actorId: 'u-1',
      actorLabel: 'ada@example.test',
      ip: '203.0.113.9',
      operation: 'services.create',
      action: 'insert',
      targetType: 'service',
      targetId: service.id,
    });
    expect(created?.changes).toMatchObject({ name: { new: service.name }, status: { new: 'operational' } });
    expect(created?.changes).not.toHaveProperty('updated_at');

    await withAuditContext({ ...as, operation: 'services.update' }, () => t.setStatus(service, 'major_outage'));
    const [updated] = await latest();
    expect(updated).toMatchObject({ action: 'update', targetId: service.id, operation: 'services.update' });
    expect(updated?.changes).toEqual({ status: { old: 'operational', new: 'major_outage' } });
  });

  it('records a change made outside any context as the system', async () => {
    await t.setStatus(await t.service(), 'degraded');
    const [entry] = await latest();
    expect(entry).toMatchObject({ actorType: 'system', actorId: null, ip: null, operation: null, action: 'update' });
  });

  it('resolves a lazy actor once per context, when the first transaction opens', async () => {
    let lookups = 0;
    const actor = async () => {
      lookups += 1;
      return { type: 'api_key' as const, id: 'key-1', userId: t.actor, label: 'ops@example.test' };
    };
    await withAuditContext({ actor }, async () => {
      const service = await t.service();
      await t.setStatus(service, 'partial_outage');
    });
    expect(lookups).toBe(1);
    const entries = await latest(2);
    expect(entries.map((entry) => [entry.actorType, entry.actorId, entry.actorUserId])).toEqual([
      ['api_key', 'key-1', t.actor],
      ['api_key', 'key-1', t.actor],
    ]);
  });

  it('redacts secrets and writes nothing for an update of bookkeeping only', async () => {
    const user = await withAuditContext(as, () =>
      t.core.users.create(
        AdminCreateUserInput.parse({
          email: `audit-${Date.now()}@example.test`,
          password: 'a long password 1',
          role: 'operator',
        }),
      ),
    );
    const [account] = await client.db
      .select()
      .from(auditEntries)
      .where(sql`${auditEntries.targetType} = 'user' and ${auditEntries.targetId} = ${user.id}`);
    expect(account?.changes).toMatchObject({ password_hash: { new: '[redacted]' }, email: { new: user.email } });
    expect(JSON.stringify(account?.changes)).not.toContain('$argon2');

    const settings = UpdatePageSettingsInput.parse({ name: 'Audited page' });
    await withAuditContext(as, () => t.core.page.update(settings));
    const before = (await latest())[0]?.id;
    // The same settings again: only updated_at moves, so no entry.
    await withAuditContext(as, () => t.core.page.update(settings));
    expect((await latest())[0]?.id).toBe(before);
  });

  it('prunes entries older than the retention, and keeps all with 0 days', async () => {
    const [{ total } = { total: 0 }] = await rowsOf<{ total: number }>(
      client,
      sql`select count(*)::int as total from audit_entries`,
    );
    expect(total).toBeGreaterThan(3);
    expect(await pruneAuditEntries(client.db, 0)).toBe(0);
    await client.db.execute(sql`update audit_entries set at = now() - interval '40 days' where id in (
      select id from audit_entries order by id limit 2)`);
    expect(await pruneAuditEntries(client.db, 30 * 86_400)).toBe(2);
    expect(await pruneAuditEntries(client.db, 30 * 86_400)).toBe(0);
  });
});
