import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-openapi-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm openapi:export', () => {
  it('writes the generated OpenAPI document to the given file', async () => {
    const target = join(dir, 'openapi.json');
    const { stdout } = await run('pnpm', ['run', '--silent', 'openapi:export', target], { cwd: repoRoot });
    expect(stdout).toContain(target);
    const document = JSON.parse(await readFile(target, 'utf8'));
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('StatusPage API');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/services', '/api/v1/events']));
    expect(document.paths['/api/v1/services'].get.operationId).toBe('listServices');
  }, 60_000);

  it('writes YAML for a .yaml path', async () => {
    const target = join(dir, 'openapi.yaml');
    await run('pnpm', ['run', '--silent', 'openapi:export', target], { cwd: repoRoot });
    const text = await readFile(target, 'utf8');
    expect(text).toMatch(/^openapi: 3\./);
    expect(text).toContain('/api/v1/services:');
  }, 60_000);
});
