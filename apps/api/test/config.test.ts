import { PUBLIC_CACHE_INVALIDATION_CHANNEL } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SECRET, loadEnv } from '../src/env';

/** The configuration error a source gives ('' when it loads). */
function problems(source: Record<string, string>) {
  try {
    loadEnv(source);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

const strongSecret = 'Zk3q9V0pX7m2Lr8sT4yW1nB6cJ5hF0dQ';

describe('api configuration APP_SECRET', () => {
  it.each([
    ['unset', {}],
    ['the development default', { APP_SECRET: DEVELOPMENT_SECRET }],
    ['the docker-compose default', { APP_SECRET: 'compose-development-secret-change-me' }],
    ['a placeholder', { APP_SECRET: 'please-change-me-before-production-0123' }],
    ['short', { APP_SECRET: 'Zk3q9V0pX7m2Lr8s' }],
    ['not random', { APP_SECRET: 'a'.repeat(40) }],
  ])('refuses to start in production with APP_SECRET %s, naming it', (_name, source) => {
    const message = problems({ NODE_ENV: 'production', ...source });
    expect(message).toMatch(/APP_SECRET: APP_SECRET /);
    expect(message).toContain('openssl rand');
  });

  it('refuses a weak APP_SECRET_PREVIOUS in production too', () => {
    expect(
      problems({ NODE_ENV: 'production', APP_SECRET: strongSecret, APP_SECRET_PREVIOUS: DEVELOPMENT_SECRET }),
    ).toMatch(/APP_SECRET_PREVIOUS: APP_SECRET_PREVIOUS /);
  });

  it('starts in production with a strong secret, and in development with the default', () => {
    expect(problems({ NODE_ENV: 'production', APP_SECRET: strongSecret })).toBe('');
    expect(loadEnv({}).APP_SECRET).toBe(DEVELOPMENT_SECRET);
    expect(loadEnv({ NODE_ENV: 'test' }).APP_SECRET).toBe(DEVELOPMENT_SECRET);
  });
});

describe('api configuration TRUST_PROXY', () => {
  it('refuses a blanket true, explaining what to give instead', () => {
    const message = problems({ TRUST_PROXY: 'true' });
    expect(message).toMatch(/TRUST_PROXY: TRUST_PROXY=true trusts every X-Forwarded-For entry/);
  });

  it.each(['yes', 'everything', '10.0.0.0/33', 'loopback, proxy.internal', '1.5', '-1', ','])(
    'refuses %j, naming the variable',
    (value) => {
      expect(problems({ TRUST_PROXY: value })).toMatch(/TRUST_PROXY: expected false, a hop count/);
    },
  );

  it.each([
    ['loopback', 'loopback'],
    ['false', false],
    ['0', 0],
    ['2', 2],
    ['10.0.0.5', '10.0.0.5'],
    ['loopback, 10.0.0.0/8 ,fd00::/8', 'loopback,10.0.0.0/8,fd00::/8'],
    ['uniquelocal,linklocal', 'uniquelocal,linklocal'],
  ])('reads %j as %j', (value, expected) => {
    expect(loadEnv({ TRUST_PROXY: value }).TRUST_PROXY).toBe(expected);
  });

  it('defaults to loopback', () => {
    expect(loadEnv({}).TRUST_PROXY).toBe('loopback');
  });
});

describe('api configuration: only what the api reads', () => {
  it.each([
    ['NOTIFICATIONS_EMAIL_SMTP_PORT', 'not-a-port'],
    ['NOTIFICATIONS_RETRY_MAX_BACKOFF', 'soon'],
    ['NOTIFICATIONS_TELEGRAM_RATE_LIMIT', '-3'],
  ])('starts with a bad %s: a setting of the worker is the worker’s to refuse', (name, value) => {
    expect(problems({ [name]: value })).toBe('');
  });

  it('reads NOTIFICATIONS_VERIFICATION_CODE_TTL in seconds, as the worker does', () => {
    expect(loadEnv({ NOTIFICATIONS_VERIFICATION_CODE_TTL: '15m' }).NOTIFICATIONS_VERIFICATION_CODE_TTL).toBe(900);
  });
});

describe('api configuration of the databases (PgBouncer, read replica)', () => {
  const primary = 'postgres://postgres@db.internal:5432/statuspage';

  it('prepares statements and reads only the primary unless told otherwise', () => {
    const env = loadEnv({ DATABASE_URL: primary });
    expect(env).toMatchObject({ DATABASE_PREPARED_STATEMENTS: true, DATABASE_READ_POOL_SIZE: 10 });
    expect(env.DATABASE_READ_URL).toBeUndefined();
  });

  it('reads DATABASE_PREPARED_STATEMENTS=false (PgBouncer in transaction pooling before 1.21)', () => {
    expect(loadEnv({ DATABASE_PREPARED_STATEMENTS: 'false' }).DATABASE_PREPARED_STATEMENTS).toBe(false);
    expect(problems({ DATABASE_PREPARED_STATEMENTS: 'off' })).toMatch(/DATABASE_PREPARED_STATEMENTS/);
  });

  it('takes a read replica of a PostgreSQL primary, with its own pool size', () => {
    const env = loadEnv({
      DATABASE_URL: primary,
      DATABASE_READ_URL: 'postgresql://reader@replica.internal:5432/statuspage',
      DATABASE_READ_POOL_SIZE: '4',
    });
    expect(env).toMatchObject({
      DATABASE_READ_URL: 'postgresql://reader@replica.internal:5432/statuspage',
      DATABASE_READ_POOL_SIZE: 4,
    });
  });

  it('refuses a read replica without DATABASE_URL (of PGlite), one that is not a postgres:// URL, and a bad pool size', () => {
    expect(problems({ DATABASE_READ_URL: 'postgres://reader@replica.internal/statuspage' })).toMatch(
      /DATABASE_READ_URL: DATABASE_READ_URL needs DATABASE_URL/,
    );
    expect(problems({ DATABASE_URL: primary, DATABASE_READ_URL: 'mysql://replica.internal/statuspage' })).toMatch(
      /DATABASE_READ_URL: expected a postgres:\/\/ URL/,
    );
    expect(problems({ DATABASE_URL: primary, DATABASE_READ_POOL_SIZE: '0' })).toMatch(/DATABASE_READ_POOL_SIZE/);
  });
});

describe('api configuration PUBLIC_CACHE_CHANNEL', () => {
  it('defaults to the channel the worker publishes on, and takes another name', () => {
    expect(loadEnv({}).PUBLIC_CACHE_CHANNEL).toBe(PUBLIC_CACHE_INVALIDATION_CHANNEL);
    expect(loadEnv({ PUBLIC_CACHE_CHANNEL: 'site-b:public-cache' }).PUBLIC_CACHE_CHANNEL).toBe('site-b:public-cache');
  });

  it.each([['with space'], ['a*b'], ['x'.repeat(201)]])('refuses %j, naming the variable', (value) => {
    expect(problems({ PUBLIC_CACHE_CHANNEL: value })).toContain('PUBLIC_CACHE_CHANNEL');
  });
});

describe('api configuration Redis', () => {
  it('starts without Redis, or with one server, a cluster or Sentinel', () => {
    expect(problems({})).toBe('');
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('');
    expect(problems({ REDIS_CLUSTER_NODES: 'r1:7000,r2:7000', REDIS_PASSWORD: 'pw' })).toBe('');
    expect(problems({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'statuspage' })).toBe('');
  });

  it('refuses two topologies, Sentinels without a name and a URL that is not Redis, naming the variable', () => {
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: 'r1:7000' })).toContain(
      'REDIS_CLUSTER_NODES: set one Redis topology',
    );
    expect(problems({ REDIS_SENTINELS: 's1' })).toContain('REDIS_SENTINEL_NAME: REDIS_SENTINEL_NAME is required');
    expect(problems({ REDIS_URL: 'http://127.0.0.1:6379' })).toContain(
      'REDIS_URL: expected a redis:// or rediss:// URL',
    );
  });
});
