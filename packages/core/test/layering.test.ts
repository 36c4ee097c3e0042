import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(full);
    return /\.(ts|mts)$/.test(entry.name) ? [full] : [];
  });
}

/** What an app may take from the db package: the client factory, its types and helpers, never a table. */
const allowedFromDb = new Set([
  'createDb',
  'DbClient',
  'Database',
  'Transaction',
  'defaultPgliteDir',
  'readInstallationId',
  'registerDatabaseMetrics',
  // The client's read-replica helpers (client.ts): WAL positions compared, a server that cannot answer.
  'walPositionValue',
  'isServerUnavailable',
]);

describe('layering', () => {
  it('no app source imports database tables: every row an app touches goes through core', () => {
    const offenders: string[] = [];
    for (const app of ['api', 'worker']) {
      for (const file of sources(path.join(repo, 'apps', app, 'src'))) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@statuspage\/db(?:\/[\w-]+)?'/g)) {
          const names = (match[2] ?? '')
            .split(',')
            .map(
              (name) =>
                name
                  .replace(/^\s*type\s+/, '')
                  .trim()
                  .split(/\s+as\s+/)[0] ?? '',
            )
            .filter(Boolean);
          for (const name of names) {
            if (!allowedFromDb.has(name)) offenders.push(`${path.relative(repo, file)}: ${name}`);
          }
        }
        if (/import\s+\*\s+as\s+\w+\s+from\s+'@statuspage\/db'/.test(text)) {
          offenders.push(`${path.relative(repo, file)}: import *`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
