import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTypes } from '../scripts/build-types';

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let work: string;
let distDir: string;

/**
 * A consumer of the published package: only the SDK's package.json and
 * declarations, and its npm dependencies — no workspace, no @statuspage/api.
 */
function consumerProject(source: string) {
  const dir = mkdtempSync(join(work, 'consumer-'));
  const pkg = join(dir, 'node_modules', '@statuspage', 'sdk');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(sdkDir, 'package.json')));
  for (const file of readdirSync(distDir)) writeFileSync(join(pkg, 'dist', file), readFileSync(join(distDir, file)));
  mkdirSync(join(dir, 'node_modules', '@trpc'));
  for (const name of ['client', 'server']) {
    symlinkSync(realpathSync(join(sdkDir, 'node_modules', '@trpc', name)), join(dir, 'node_modules', '@trpc', name));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(join(dir, 'consumer.ts'), source);
  return dir;
}

/** tsc --noEmit, strict, Node's ESM resolution, library declarations checked too. */
function typeErrors(dir: string) {
  const program = ts.createProgram({
    rootNames: [join(dir, 'consumer.ts')],
    options: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: false,
      types: [],
      // @trpc/server's own declarations use Disposable (esnext), as for any of its users.
      lib: ['lib.esnext.d.ts', 'lib.dom.d.ts'],
    },
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName.replace(dir, '.')}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sdk-types-'));
  distDir = join(work, 'dist');
  buildTypes(distDir);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('published declarations', () => {
  it('import nothing from the workspace: the router type is spelled out', () => {
    const files = readdirSync(distDir).sort();
    expect(files).toEqual(['client.d.ts', 'errors.d.ts', 'index.d.ts', 'router.d.ts']);
    for (const file of files) {
      const text = readFileSync(join(distDir, file), 'utf8');
      expect(text, file).not.toMatch(/@statuspage\//);
      expect(text, file).not.toMatch(/from '\.\/[^']*(?<!\.js)'/);
    }
    const router = readFileSync(join(distDir, 'router.d.ts'), 'utf8');
    expect(router).toMatch(/export type AppRouter = ClientRouter;/);
    expect(router).not.toMatch(/export declare const/);
  });

  it('type a consumer program with the real inputs, outputs and errors', () => {
    const dir = consumerProject(`
import { createStatusPageClient, StatusPageError, type AppRouter } from '@statuspage/sdk';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;

export async function use(): Promise<string> {
  const client = createStatusPageClient({ baseUrl: 'http://localhost:8080' });
  const session = await client.login('operator@example.com', 'secret');
  const role: 'user' | 'operator' | 'admin' = session.user.role;
  const service = await client.services.get.query({ slug: 'api' });
  const name: string = service.data.name;
  const created: Outputs['events']['create'] = await client.events.create.mutate({
    title: 'Elevated errors',
    description: 'Some requests fail.',
    type: 'incident',
    status: 'investigating',
    severity: 'major',
    affected_services: [{ service_id: service.data.id, status: 'partial_outage' }],
  });
  const input: Inputs['services']['get'] = { slug: name };
  // @ts-expect-error a slug is a string
  await client.services.get.query({ slug: 42 });
  // @ts-expect-error there is no such procedure
  await client.services.launchRockets.mutate();
  // @ts-expect-error the output has no such field
  service.data.no_such_field;
  // @ts-expect-error an event type is incident or maintenance
  await client.events.create.mutate({ title: 't', type: 'party', status: 'investigating', affected_services: [] });
  try {
    await client.users.list.query({});
  } catch (error) {
    if (error instanceof StatusPageError) return error.code + error.message + role + input.slug + created.data.id;
  }
  return role;
}
`);
    expect(typeErrors(dir)).toEqual([]);
  });

  it('fail a consumer program that misuses the api (the check is not vacuous)', () => {
    const dir = consumerProject(`
import { createStatusPageClient } from '@statuspage/sdk';
export async function use() {
  const client = createStatusPageClient({ baseUrl: 'http://localhost:8080' });
  const service = await client.services.get.query({ slug: 42 });
  return service.data.no_such_field;
}
`);
    const errors = typeErrors(dir);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/consumer\.ts:5 .*number.*string/s);
    expect(errors[1]).toMatch(/consumer\.ts:6 .*no_such_field/s);
  });
});
