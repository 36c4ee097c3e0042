import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
