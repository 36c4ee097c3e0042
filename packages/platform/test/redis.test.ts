import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  describeRedisTopology,
  queueKeyPrefix,
  redisNodeListSetting,
  redisRefinementParams,
  redisSettings,
  redisTopologyOf,
  refineRedisTopology,
} from '../src/redis';
import { loadSettings } from '../src/settings';

/** A process schema as the api and worker build theirs: another variable, the Redis ones, the topology check. */
const schema = (required: string | false) =>
  z
    .object({ OTHER_PORT: z.coerce.number().int().default(1), ...redisSettings() })
    .superRefine(refineRedisTopology({ required }), redisRefinementParams);

/** The configuration error a source gives ('' when it loads). */
function problems(source: Record<string, string>, required: string | false = 'the test needs Redis') {
  try {
    loadSettings(schema(required), source);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('redis node lists', () => {
  const nodes = redisNodeListSetting(6379);

  it('reads host:port pairs separated by commas, with the default port where none is given', () => {
    expect(nodes.parse(' redis-1:7000, 10.0.0.2 ,[fd00::5]:7002,[::1]')).toEqual([
      { host: 'redis-1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
      { host: 'fd00::5', port: 7002 },
      { host: '::1', port: 6379 },
    ]);
    expect(redisNodeListSetting(26379).parse('sentinel-a')).toEqual([{ host: 'sentinel-a', port: 26379 }]);
  });

  it.each([
    ['redis://a:1', '"redis://a:1"'],
    ['a:1,b:99999', '"b:99999"'],
    ['a:b:c', '"a:b:c"'],
    ['fd00::5:7000', '"fd00::5:7000"'],
    [' , ', 'host:port pairs'],
  ])('refuses %j, naming the bad entry', (value, named) => {
    const result = nodes.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('expected host:port pairs separated by commas');
    expect(result.error?.issues[0]?.message).toContain(named);
  });
});

describe('redis topology settings', () => {
  it('takes one server, a cluster or Sentinel', () => {
    const parse = (source: Record<string, string>) => redisTopologyOf(loadSettings(schema(false), source));
    expect(parse({ REDIS_URL: 'redis://:secret@cache:6380/2' })).toEqual({
      kind: 'standalone',
      url: 'redis://:secret@cache:6380/2',
    });
    expect(parse({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_PASSWORD: 'pw' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      password: 'pw',
      username: undefined,
    });
    expect(
      parse({
        REDIS_SENTINELS: 's1,s2:26380',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_USERNAME: 'app',
        REDIS_PASSWORD: 'pw',
        REDIS_SENTINEL_PASSWORD: 'spw',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      username: 'app',
      password: 'pw',
      sentinelPassword: 'spw',
    });
    expect(parse({})).toBeUndefined();
  });

  it('refuses two topologies at once, naming both', () => {
    expect(problems({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' })).toContain(
      'REDIS_CLUSTER_NODES: set one Redis topology, not REDIS_URL and REDIS_CLUSTER_NODES',
    );
    expect(
      problems({ REDIS_CLUSTER_NODES: 'b:7000', REDIS_SENTINELS: 'c', REDIS_SENTINEL_NAME: 'm' }, false),
    ).toContain('REDIS_SENTINELS: set one Redis topology, not REDIS_CLUSTER_NODES and REDIS_SENTINELS');
  });

  it('requires a topology where Redis is required, and reports it with the other bad variables', () => {
    expect(problems({})).toContain(
      'REDIS_URL: REDIS_URL is required: the test needs Redis (e.g. redis://127.0.0.1:6379); or REDIS_CLUSTER_NODES',
    );
    const both = problems({ OTHER_PORT: 'x' });
    expect(both).toContain('OTHER_PORT:');
    expect(both).toContain('REDIS_URL is required');
    expect(problems({}, false)).toBe('');
  });

  it('requires the master group name with Sentinels, and reads it only with them', () => {
    expect(problems({ REDIS_SENTINELS: 's1' })).toContain(
      'REDIS_SENTINEL_NAME: REDIS_SENTINEL_NAME is required with REDIS_SENTINELS',
    );
    expect(problems({ REDIS_URL: 'redis://a', REDIS_SENTINEL_NAME: 'm' })).toContain(
      'REDIS_SENTINEL_NAME: REDIS_SENTINEL_NAME is read only with REDIS_SENTINELS',
    );
    expect(problems({ REDIS_CLUSTER_NODES: 'a', REDIS_SENTINEL_PASSWORD: 'x' })).toContain(
      'REDIS_SENTINEL_PASSWORD: REDIS_SENTINEL_PASSWORD is read only with REDIS_SENTINELS',
    );
  });

  it('keeps the credentials of one server in its URL', () => {
    expect(problems({ REDIS_URL: 'redis://a', REDIS_PASSWORD: 'pw' })).toContain(
      'REDIS_PASSWORD: REDIS_PASSWORD is not read with REDIS_URL: put the credentials in the URL',
    );
    expect(problems({ REDIS_USERNAME: 'app' }, false)).toContain(
      'REDIS_USERNAME: REDIS_USERNAME is read only with REDIS_CLUSTER_NODES or REDIS_SENTINELS',
    );
  });

  it('names a malformed variable once, without adding that Redis is missing', () => {
    const message = problems({ REDIS_URL: 'http://cache:6379' });
    expect(message).toContain('REDIS_URL: expected a redis:// or rediss:// URL');
    expect(message).not.toContain('is required');
    expect(problems({ REDIS_CLUSTER_NODES: 'a:1,b:x' })).toContain('REDIS_CLUSTER_NODES: expected host:port pairs');
  });
});

describe('redis topology helpers', () => {
  it('makes the queue prefix a hash tag on a cluster only', () => {
    expect(queueKeyPrefix({ kind: 'cluster' }, 'statuspage-0123456789ab')).toBe('{statuspage-0123456789ab}');
    expect(queueKeyPrefix({ kind: 'standalone' }, 'statuspage-0123456789ab')).toBe('statuspage-0123456789ab');
    expect(queueKeyPrefix({ kind: 'sentinel' }, 'statuspage-0123456789ab')).toBe('statuspage-0123456789ab');
  });

  it('describes where Redis is without a password', () => {
    expect(describeRedisTopology({ kind: 'standalone', url: 'redis://:hunter2@cache:6380/1' })).toBe('cache:6380');
    expect(describeRedisTopology({ kind: 'standalone', url: 'rediss://cache' })).toBe('cache:6379');
    expect(
      describeRedisTopology({
        kind: 'cluster',
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'fd00::1', port: 7001 },
        ],
        password: 'hunter2',
      }),
    ).toBe('cluster a:7000,[fd00::1]:7001');
    expect(
      describeRedisTopology({
        kind: 'sentinel',
        sentinels: [{ host: 's', port: 26379 }],
        name: 'm',
        password: 'hunter2',
        sentinelPassword: 'x',
      }),
    ).toBe('sentinel m via s:26379');
  });
});
