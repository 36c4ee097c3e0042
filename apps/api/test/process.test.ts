import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const apiDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const children: ChildProcess[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** Runs the api's entry point as its own process. */
function runApi(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: apiDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    const started = Date.now();
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}; output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

describe('api process', () => {
  it('stops at start-up on a bad setting, naming the variable', async () => {
    const api = runApi({ SERVER_PORT: 'eighty', COOKIE_SECURE: 'maybe' });
    expect(await api.exited).toBe(78);
    expect(api.output()).toContain('SERVER_PORT');
    expect(api.output()).toContain('COOKIE_SECURE');
  });

  it('finishes the request in flight on SIGTERM, then exits', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'statuspage-process-'));
    folders.push(dataDir);
    const api = runApi({
      PGLITE_DATA_DIR: dataDir,
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const [, url] = (await api.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/)) as unknown as [string, string];
    // The body is sent in two parts with the signal in between, so the request is surely in flight.
    const body = JSON.stringify({ email: 'in-flight@example.test', password: 'in-flight-password' });
    const target = new URL('/api/v1/auth/register', url);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(
        target,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(10)), 300);
      }, 100);
    });
    const answered = await response;
    expect(answered.status, answered.text).toBe(201);
    expect(await api.exited).toBe(0);
    expect(api.output()).toContain('api stopped');
    // Starting the process (tsx, then PGlite migrating a new folder) takes 10-15 s on a
    // 2-core machine, more when other test runs share it; the shutdown itself is what is tested.
  }, 60_000);
});
