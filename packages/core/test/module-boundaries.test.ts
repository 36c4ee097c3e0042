import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Modules of core reach each other through the other module's index (its public surface) and the
// ports wired by createCore, never through its files. Checked here for the modules in the template.
const src = join(import.meta.dirname, '../src');
const templated = ['events', 'catalog'];
// Infrastructure every module may use.
const shared = new Set(['shared', 'outbox']);

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('core module boundaries', () => {
  it.each(templated)('%s imports other modules only through their index', (module) => {
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
});
