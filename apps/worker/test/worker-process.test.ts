import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';

const workerDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const redisUrl = inject('redisUrl');
const databaseUrl = inject('databaseUrl');
const queuePrefix = `${inject('queuePrefix')}-process`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Runs the worker's entry point as its own process and collects its output. */
function runWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: workerDir,
    env: { PATH: process.env.PATH ?? '', WORKER_METRICS_PORT: '0', ...env },
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
  const waitFor = async (text: string, timeoutMs = 20_000) => {
    const started = Date.now();
    while (!output.includes(text)) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for "${text}"; output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

describe('worker process', () => {
  it('connects to Redis and shuts down cleanly on SIGTERM', async () => {
    const worker = runWorker({ REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, WORKER_QUEUE_PREFIX: queuePrefix });
    await worker.waitFor('worker connected to Redis and ready');
    await worker.waitFor('worker started');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker stopped');
  });

  it('refuses to start without REDIS_URL, naming the variable', async () => {
    const worker = runWorker({ DATABASE_URL: databaseUrl });
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toContain('REDIS_URL');
  });

  it('refuses to start without a PostgreSQL DATABASE_URL, saying why', async () => {
    const worker = runWorker({ REDIS_URL: redisUrl });
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toContain('DATABASE_URL is required: the worker needs PostgreSQL');
  });

  it('waits for PostgreSQL with a clear log line and stops cleanly while waiting', async () => {
    const port = await freePort();
    const worker = runWorker({
      REDIS_URL: redisUrl,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/statuspage`,
      WORKER_QUEUE_PREFIX: queuePrefix,
    });
    await worker.waitFor(`waiting for PostgreSQL at 127.0.0.1:${port}/statuspage`);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('waits for Redis with a clear log line and proceeds when it comes up', async () => {
    const port = await freePort();
    const worker = runWorker({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      WORKER_QUEUE_PREFIX: queuePrefix,
    });
    await worker.waitFor(`waiting for Redis at 127.0.0.1:${port}`);
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    children.push(redis);
    await worker.waitFor('worker connected to Redis and ready');
    await worker.waitFor('worker started');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
