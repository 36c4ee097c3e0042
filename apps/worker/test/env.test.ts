import { PUBLIC_CACHE_INVALIDATION_CHANNEL } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SECRET, loadWorkerEnv, workerRedisTopology } from '../src/env';
import { cappedExponentialBackoff } from '../src/queues/backoff';

const required = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/statuspage', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('worker configuration', () => {
  it('parses the defaults of the README’s worker table, durations in milliseconds', () => {
    const env = loadWorkerEnv(required);
    expect(env).toMatchObject({
      DATABASE_POOL_SIZE: 10,
      DATABASE_PREPARED_STATEMENTS: true,
      WORKER_CONCURRENCY: 20,
      WORKER_OUTBOX_POLL_INTERVAL: 200,
      WORKER_SHUTDOWN_TIMEOUT: 30_000,
      NOTIFICATIONS_EMAIL_SMTP_PORT: 1025,
      NOTIFICATIONS_TELEGRAM_ENABLED: false,
      NOTIFICATIONS_TELEGRAM_API_URL: 'https://api.telegram.org',
      NOTIFICATIONS_TELEGRAM_RATE_LIMIT: 25,
      NOTIFICATIONS_RETRY_MAX_ATTEMPTS: 5,
      NOTIFICATIONS_RETRY_INITIAL_BACKOFF: 1000,
      NOTIFICATIONS_RETRY_MAX_BACKOFF: 300_000,
      // Seconds, as the api reads the same variable.
      NOTIFICATIONS_VERIFICATION_CODE_TTL: 900,
    });
    expect(
      loadWorkerEnv({ ...required, NOTIFICATIONS_RETRY_INITIAL_BACKOFF: '250ms', WORKER_SHUTDOWN_TIMEOUT: '10' }),
    ).toMatchObject({ NOTIFICATIONS_RETRY_INITIAL_BACKOFF: 250, WORKER_SHUTDOWN_TIMEOUT: 10_000 });
    // Behind PgBouncer in transaction pooling before 1.21, as for the api.
    expect(loadWorkerEnv({ ...required, DATABASE_PREPARED_STATEMENTS: 'false' }).DATABASE_PREPARED_STATEMENTS).toBe(
      false,
    );
  });

  it('names the variable that is missing or wrong', () => {
    const problems = (source: Record<string, string>) => {
      try {
        loadWorkerEnv(source);
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    expect(problems({ REDIS_URL: required.REDIS_URL })).toContain(
      'DATABASE_URL is required: the worker needs PostgreSQL',
    );
    expect(problems({ ...required, DATABASE_URL: 'file:./data' })).toContain('DATABASE_URL');
    expect(problems({ ...required, NOTIFICATIONS_RETRY_MAX_BACKOFF: 'soon' })).toContain(
      'NOTIFICATIONS_RETRY_MAX_BACKOFF: expected a duration',
    );
    expect(problems({ ...required, NOTIFICATIONS_TELEGRAM_ENABLED: 'true' })).toContain(
      'NOTIFICATIONS_TELEGRAM_BOT_TOKEN is required when NOTIFICATIONS_TELEGRAM_ENABLED is true',
    );
    expect(problems({ ...required, WORKER_QUEUE_PREFIX: 'a:b' })).toContain('WORKER_QUEUE_PREFIX');
    expect(problems({ ...required, PUBLIC_CACHE_CHANNEL: 'two words' })).toContain('PUBLIC_CACHE_CHANNEL');
  });

  it('publishes scheduled transitions on the api’s default invalidation channel unless told another', () => {
    expect(loadWorkerEnv(required).PUBLIC_CACHE_CHANNEL).toBe(PUBLIC_CACHE_INVALIDATION_CHANNEL);
    expect(loadWorkerEnv({ ...required, PUBLIC_CACHE_CHANNEL: 'site-b:cache' }).PUBLIC_CACHE_CHANNEL).toBe(
      'site-b:cache',
    );
  });

  it('needs one Redis topology: a server, a cluster or Sentinel', () => {
    const problems = (source: Record<string, string>) => {
      try {
        loadWorkerEnv(source);
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const database = { DATABASE_URL: required.DATABASE_URL };
    expect(problems(database)).toContain('REDIS_URL: REDIS_URL is required: the worker needs Redis');
    // Reported together with the database, not after it is fixed.
    expect(problems({})).toMatch(/DATABASE_URL: [^\n]*\n {2}REDIS_URL: REDIS_URL is required/);
    expect(problems({ ...required, REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'm' })).toContain(
      'set one Redis topology, not REDIS_URL and REDIS_SENTINELS',
    );
    expect(problems({ ...database, REDIS_SENTINELS: 's1' })).toContain('REDIS_SENTINEL_NAME is required');
    expect(workerRedisTopology(loadWorkerEnv({ ...database, REDIS_CLUSTER_NODES: 'r1:7000,r2:7000' }))).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7000 },
      ],
    });
    expect(
      workerRedisTopology(loadWorkerEnv({ ...database, REDIS_SENTINELS: 's1,s2', REDIS_SENTINEL_NAME: 'statuspage' })),
    ).toMatchObject({ kind: 'sentinel', name: 'statuspage', sentinels: [{ host: 's1', port: 26379 }, { host: 's2' }] });
    expect(workerRedisTopology(loadWorkerEnv(required))).toEqual({ kind: 'standalone', url: required.REDIS_URL });
  });

  it('refuses to start in production with a development, placeholder or short APP_SECRET, naming it', () => {
    const problems = (source: Record<string, string>) => {
      try {
        loadWorkerEnv({ ...required, NODE_ENV: 'production', ...source });
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    for (const secret of [undefined, DEVELOPMENT_SECRET, 'compose-development-secret-change-me', 'Zk3q9V0pX7m2Lr8s']) {
      expect(problems(secret === undefined ? {} : { APP_SECRET: secret })).toMatch(/APP_SECRET: APP_SECRET /);
    }
    expect(
      problems({ APP_SECRET: 'Zk3q9V0pX7m2Lr8sT4yW1nB6cJ5hF0dQ', APP_SECRET_PREVIOUS: DEVELOPMENT_SECRET }),
    ).toMatch(/APP_SECRET_PREVIOUS: /);
    expect(problems({ APP_SECRET: 'Zk3q9V0pX7m2Lr8sT4yW1nB6cJ5hF0dQ' })).toBe('');
    expect(loadWorkerEnv(required).APP_SECRET).toBe(DEVELOPMENT_SECRET);
  });

  it('backs off exponentially from the initial delay up to the cap, and at least as long as a peer asked', () => {
    const backoff = cappedExponentialBackoff(1000, 5000);
    const delays = [1, 2, 3, 4, 5].map((attempt) => Number(backoff(attempt)));
    expect(delays[0]).toBeGreaterThan(899);
    expect(delays[0]).toBeLessThanOrEqual(1000);
    expect(delays[1]).toBeGreaterThan(1799);
    expect(delays[2]).toBeGreaterThan(3599);
    expect(delays[3]).toBeLessThanOrEqual(5000);
    expect(delays[4]).toBeLessThanOrEqual(5000);
    const asked = Object.assign(new Error('slow down'), { retryAfterMs: 3000 });
    expect(Number(backoff(1, undefined, asked))).toBe(3000);
  });
});
