import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as db from '@statuspage/db';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';

// Modules of core reach each other through the other module's index (its public surface) and the
// ports wired by createCore, never through its files. Checked for every module of core.
const src = join(import.meta.dirname, '../src');
// Infrastructure every module may use.
const shared = new Set(['shared', 'outbox']);
const modules = readdirSync(src, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !shared.has(entry.name))
  .map((entry) => entry.name);

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('core module boundaries', () => {
  it('finds the modules', () => {
    expect(modules).toEqual(expect.arrayContaining(['catalog', 'events', 'identity', 'notifications', 'templates']));
  });

  it.each(modules)('%s imports other modules only through their index', (module) => {
    const offending: string[] = [];
    for (const file of readdirSync(join(src, module))) {
      for (const target of importsOf(join(src, module, file))) {
        const other = /^\.\.\/([^/]+)(\/.*)?$/.exec(target);
        if (!other?.[1] || shared.has(other[1])) continue;
        if (other[2] !== undefined) offending.push(`${module}/${file} → ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps the events module free of imports from catalog (catalog imports events, not the reverse)', () => {
    const offending = readdirSync(join(src, 'events')).filter((file) =>
      importsOf(join(src, 'events', file)).some((target) => target.startsWith('../catalog')),
    );
    expect(offending).toEqual([]);
  });

  it('has no cycles between modules: what a module needs from one that needs it comes through a port', () => {
    const edges = new Map(
      modules.map((module) => {
        const targets = new Set<string>();
        for (const file of readdirSync(join(src, module))) {
          for (const target of importsOf(join(src, module, file))) {
            const other = /^\.\.\/([^/]+)/.exec(target)?.[1];
            if (other && other !== module && !shared.has(other)) targets.add(other);
          }
        }
        return [module, targets];
      }),
    );
    const cycles: string[] = [];
    const visit = (module: string, path: string[]) => {
      if (path.includes(module)) {
        cycles.push([...path.slice(path.indexOf(module)), module].join(' → '));
        return;
      }
      for (const next of edges.get(module) ?? []) visit(next, [...path, module]);
    };
    for (const module of modules) visit(module, []);
    expect(cycles).toEqual([]);
  });

  /**
   * The tables each module owns: a module's SQL touches only these, another module's data comes through a port.
   * A new table must be given an owner here.
   */
  const owners: Record<string, readonly string[]> = {
    // Written by the audit trigger of every audited table; read and pruned by the module.
    audit: ['auditEntries'],
    catalog: [
      'services',
      'serviceGroups',
      'serviceGroupMembers',
      'serviceTags',
      'serviceStatusLog',
      'serviceStatusDays',
      'serviceStatusDayZones',
    ],
    events: ['events', 'eventUpdates', 'eventServices', 'eventGroups', 'eventServiceChanges', 'cancelledMaintenances'],
    identity: ['users', 'sessions', 'refreshTokens', 'passwordResetTokens', 'apiKeys'],
    integrations: ['integrations', 'integrationAlerts', 'integrationIncidents'],
    notifications: [
      'notificationChannels',
      'channelVerifications',
      'verificationSends',
      'channelSubscriptions',
      'channelGroupSubscriptions',
      'subscribers',
      'eventSubscribers',
      'notificationMessages',
      'notificationDeliveries',
    ],
    outbox: ['outbox', 'installation'],
    page: ['pageSettings'],
    // Reads catalog and events through its ports only.
    syndication: [],
    templates: ['templates'],
    // Uptime reads the catalog's rollup through its port: it owns no table.
    uptime: [],
  };
  const tables = Object.entries(db.schema)
    .filter(([, value]) => is(value, PgTable))
    .map(([name]) => name);

  it('gives every table exactly one owning module', () => {
    const owned = Object.values(owners).flat();
    expect([...owned].sort()).toEqual([...tables].sort());
    expect(new Set(owned).size).toBe(owned.length);
  });

  /** The names a file imports from @statuspage/db (across lines), and whether it reaches tables via `schema.`. */
  function dbImportsOf(file: string) {
    const text = readFileSync(file, 'utf8');
    const names = [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@statuspage\/db'/g)].flatMap((match) =>
      (match[1] ?? '')
        .split(',')
        .map(
          (part) =>
            part
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0] ?? '',
        )
        .filter(Boolean),
    );
    const viaNamespace = [...text.matchAll(/\bschema\.([a-zA-Z]+)/g)].map((match) => match[1] ?? '');
    return [...names, ...viaNamespace];
  }

  it.each(Object.keys(owners))('%s reads and writes only the tables it owns', (module) => {
    const own = new Set(owners[module]);
    const tableNames = new Set(tables);
    const offending: string[] = [];
    for (const file of readdirSync(join(src, module))) {
      for (const name of dbImportsOf(join(src, module, file))) {
        if (tableNames.has(name) && !own.has(name)) offending.push(`${module}/${file} → ${name}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('has an owner entry for every module', () => {
    expect(Object.keys(owners).sort()).toEqual([...modules, 'outbox'].sort());
  });
});
