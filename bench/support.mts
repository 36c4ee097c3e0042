/**
 * What the benchmarks share: the load generator (autocannon in a child
 * process, with the CPU this process spent meanwhile) and the real api
 * started as in production (JSON logs to /dev/null, written synchronously as pino writes standard output; a random APP_SECRET).
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadEnv } from '../apps/api/src/env';
import { createLogger, fileDestination } from '../apps/api/src/logger';
import { startApiServer } from '../apps/api/src/server';

/** autocannon's JSON summary, the parts the benchmarks read. */
export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

export interface LoadRun {
  result: LoadResult;
  /** Share of one core this process (the server under load) used during the run. */
  cpuShare: number;
  /** Requests per second of server CPU: the throughput on one saturated core. */
  perCpuSecond: number;
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** One autocannon run in its own process against `url`, with the CPU this process spent meanwhile. */
export async function load(
  url: string,
  options: { seconds: number; connections: number; headers?: readonly string[] },
): Promise<LoadRun> {
  const args = [autocannonBin, '-j', '-n', '-c', String(options.connections), '-d', String(options.seconds)];
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(url);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`));
      else resolve(JSON.parse(output) as LoadResult);
    });
  });
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    result,
    cpuShare: cpuSeconds / ((performance.now() - started) / 1000),
    perCpuSecond: result.requests.total / cpuSeconds,
  };
}

/**
 * The real api on a free loopback port, as in production: on DATABASE_URL if
 * set (a scratch database), else PGlite in memory; REDIS_URL if set; logging
 * at info level as JSON into /dev/null (misses pay for their log line).
 */
export function startBenchApi(extraEnv: Record<string, string> = {}) {
  const env = loadEnv({
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { PGLITE_DATA_DIR: 'memory://' }),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    NODE_ENV: 'production',
    // Production refuses a development secret: a random one for the run.
    APP_SECRET: randomBytes(32).toString('base64url'),
    ...extraEnv,
  });
  const logger = createLogger({
    level: 'info',
    format: 'json',
    name: 'api',
    destination: fileDestination('/dev/null'),
  });
  return startApiServer(env, { logger });
}
