import { EventEmitter } from 'node:events';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

/**
 * Where Redis is and how to reach it: one URL (a single server), the nodes of
 * a Redis Cluster, or the Sentinels that know the current master. The api and
 * the worker read the same settings (`redisSettings`), check that exactly one
 * topology is given (`refineRedisTopology`) and open their connections here,
 * each with its own options (the api fails fast, BullMQ waits).
 */

/** A `host:port` of a Redis node or a Sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string | undefined; password?: string | undefined }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      /** The master group name the Sentinels monitor. */
      name: string;
      username?: string | undefined;
      password?: string | undefined;
      sentinelPassword?: string | undefined;
    };

/** A command connection of either kind: BullMQ, the rate limiters and pub/sub publishing take both. */
export type RedisClient = Redis | Cluster;

const nodePattern = /^(?:\[(?<v6>[0-9A-Fa-f:.]+)\]|(?<host>[^\s:[\]/,]+))(?::(?<port>\d{1,5}))?$/;

/** `host:port` pairs separated by commas (`[::1]:6379` for IPv6); a pair without a port gets `defaultPort`. */
export const redisNodeListSetting = (defaultPort: number) =>
  z.string().transform((value, ctx): RedisNode[] => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const nodes: RedisNode[] = [];
    const bad: string[] = [];
    for (const entry of entries) {
      const match = nodePattern.exec(entry);
      const port = Number(match?.groups?.port ?? defaultPort);
      const host = match?.groups?.v6 ?? match?.groups?.host;
      if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) bad.push(entry);
      else nodes.push({ host, port });
    }
    if (bad.length > 0 || nodes.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected host:port pairs separated by commas (e.g. redis-1:${defaultPort},redis-2:${defaultPort})${
          bad.length > 0 ? `; not ${bad.map((entry) => `"${entry}"`).join(', ')}` : ''
        }`,
      });
      return z.NEVER;
    }
    return nodes;
  });

/** The variables of the Redis connection, the same for api and worker (the README's configuration table). */
export const redisSettings = () => ({
  /** One Redis server (`redis://[:password@]host:port[/db]`, `rediss://` for TLS). */
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'expected a redis:// or rediss:// URL' }).optional(),
  /** Some nodes of a Redis Cluster (the client discovers the others). */
  REDIS_CLUSTER_NODES: redisNodeListSetting(6379).optional(),
  /** The Sentinels of a master group (REDIS_SENTINEL_NAME). */
  REDIS_SENTINELS: redisNodeListSetting(26379).optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only')
    .optional(),
  /** ACL user and password of the cluster's nodes or of the master Sentinel names (REDIS_URL carries its own). */
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  /** The Sentinels' own password (`requirepass` of the Sentinels), when they have one. */
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
});

type RedisSettingsSchema = ReturnType<typeof redisSettings>;
/** The parsed Redis variables. */
export type RedisSettings = { [K in keyof RedisSettingsSchema]?: z.output<RedisSettingsSchema[K]> };

const redisKeys = Object.keys(redisSettings()) as (keyof RedisSettingsSchema)[];
const topologyKeys = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

/**
 * Checks that the Redis variables name exactly one topology (or none, where
 * Redis is optional) and only the settings that topology reads. A superRefine
 * of the api's and the worker's schemas, with `redisRefinementParams`: it runs
 * even when other variables are wrong, so a missing Redis is reported with them.
 */
export function refineRedisTopology(options: { required: string | false }) {
  return (env: RedisSettings, ctx: z.RefinementCtx) => {
    const issue = (path: keyof RedisSettingsSchema, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const given = topologyKeys.filter((key) => env[key] !== undefined);
    if (given.length > 1) {
      issue(
        given[1] as keyof RedisSettingsSchema,
        `set one Redis topology, not ${given.join(' and ')}: REDIS_URL (one server), REDIS_CLUSTER_NODES (a cluster) or REDIS_SENTINELS with REDIS_SENTINEL_NAME (Sentinel)`,
      );
      return;
    }
    if (given.length === 0 && options.required) {
      issue(
        'REDIS_URL',
        `REDIS_URL is required: ${options.required} (e.g. redis://127.0.0.1:6379); or REDIS_CLUSTER_NODES for a Redis Cluster, or REDIS_SENTINELS and REDIS_SENTINEL_NAME for Sentinel`,
      );
    }
    if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
      issue('REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master group name');
    }
    if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS) {
      issue('REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_NAME is read only with REDIS_SENTINELS');
    }
    if (env.REDIS_SENTINEL_PASSWORD !== undefined && !env.REDIS_SENTINELS) {
      issue('REDIS_SENTINEL_PASSWORD', 'REDIS_SENTINEL_PASSWORD is read only with REDIS_SENTINELS');
    }
    for (const key of ['REDIS_USERNAME', 'REDIS_PASSWORD'] as const) {
      if (env[key] === undefined) continue;
      if (env.REDIS_URL) issue(key, `${key} is not read with REDIS_URL: put the credentials in the URL`);
      else if (given.length === 0) issue(key, `${key} is read only with REDIS_CLUSTER_NODES or REDIS_SENTINELS`);
    }
  };
}

/** The second argument of `.superRefine(refineRedisTopology(…), redisRefinementParams)`. */
export const redisRefinementParams = {
  // Skipped only when a Redis variable is itself malformed (its own message says why).
  when: (payload: { value: unknown; issues: readonly { path?: readonly PropertyKey[] }[] }) =>
    typeof payload.value === 'object' &&
    payload.value !== null &&
    !payload.issues.some((issue) => redisKeys.includes(issue.path?.[0] as keyof RedisSettingsSchema)),
};

/** The topology the (checked) settings name; undefined when none is set. */
export function redisTopologyOf(env: RedisSettings): RedisTopology | undefined {
  if (env.REDIS_URL) return { kind: 'standalone', url: env.REDIS_URL };
  if (env.REDIS_CLUSTER_NODES) {
    return {
      kind: 'cluster',
      nodes: env.REDIS_CLUSTER_NODES,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
    };
  }
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME) {
    return {
      kind: 'sentinel',
      sentinels: env.REDIS_SENTINELS,
      name: env.REDIS_SENTINEL_NAME,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    };
  }
  return undefined;
}

const nodeText = (node: RedisNode) =>
  node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;

/** Where Redis is, for logs: never a password. */
export function describeRedisTopology(topology: RedisTopology): string {
  if (topology.kind === 'cluster') return `cluster ${topology.nodes.map(nodeText).join(',')}`;
  if (topology.kind === 'sentinel')
    return `sentinel ${topology.name} via ${topology.sentinels.map(nodeText).join(',')}`;
  const url = new URL(topology.url);
  return `${url.hostname}:${url.port || '6379'}`;
}

/**
 * The key prefix of the BullMQ queues on this topology. On a cluster every key
 * a script or MULTI touches must hash to one slot: braces make the whole prefix
 * the hash tag, so all queues of an installation (and jobs moving between
 * them) live in one slot. Elsewhere the prefix stays as it was.
 */
export function queueKeyPrefix(topology: Pick<RedisTopology, 'kind'>, prefix: string): string {
  return topology.kind === 'cluster' ? `{${prefix}}` : prefix;
}

export interface RedisClientOptions {
  /** How often a command is retried over reconnections: null waits as long as it takes (BullMQ needs that). */
  maxRetriesPerRequest: number | null;
  /** false: commands fail at once while Redis is unreachable instead of waiting in memory. */
  enableOfflineQueue?: boolean;
  /** Milliseconds before the next reconnection attempt. */
  retryDelay?: (attempt: number) => number;
  /** The client name Redis shows in `CLIENT LIST`. */
  connectionName?: string;
}

/** READONLY: the server was a master and is a replica now (a failover); reconnect and resend. */
const reconnectOnReadonly = (error: Error) => (error.message.startsWith('READONLY') ? 2 : false);

function sentinelOptions(topology: Extract<RedisTopology, { kind: 'sentinel' }>): RedisOptions {
  return {
    sentinels: topology.sentinels,
    name: topology.name,
    ...(topology.username !== undefined ? { username: topology.username } : {}),
    ...(topology.password !== undefined ? { password: topology.password } : {}),
    ...(topology.sentinelPassword !== undefined ? { sentinelPassword: topology.sentinelPassword } : {}),
    // Hears +switch-master from the Sentinels and reconnects to the new master at once: without it the
    // clients keep writing to the old master until the Sentinels turn it into a replica, and those writes are lost.
    failoverDetector: true,
    reconnectOnError: reconnectOnReadonly,
  };
}

/**
 * ioredis closes a Sentinel client's failover detector (its own connections
 * to the Sentinels) on `disconnect()` but not on `quit()`, after which they
 * reconnect for ever. BullMQ quits the connections it duplicates, so every
 * client made here, and each of its duplicates, also disconnects once quit.
 */
function closingFailoverDetector(client: Redis): Redis {
  const quit = client.quit.bind(client);
  client.quit = ((...args: Parameters<Redis['quit']>) =>
    quit(...args).finally(() => client.disconnect())) as Redis['quit'];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((...args: Parameters<Redis['duplicate']>) =>
    closingFailoverDetector(duplicate(...args))) as Redis['duplicate'];
  return client;
}

/** A command connection to the topology with the caller's retry behaviour. */
export function createRedisClient(topology: RedisTopology, options: RedisClientOptions): RedisClient {
  const common: RedisOptions = {
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
  const offlineQueue = options.enableOfflineQueue ?? true;
  const retry = options.retryDelay;
  if (topology.kind === 'cluster') {
    return new Cluster(topology.nodes, {
      enableOfflineQueue: offlineQueue,
      ...(retry ? { clusterRetryStrategy: retry } : {}),
      redisOptions: {
        ...common,
        ...(topology.username !== undefined ? { username: topology.username } : {}),
        ...(topology.password !== undefined ? { password: topology.password } : {}),
      },
    });
  }
  const own: RedisOptions = {
    ...common,
    enableOfflineQueue: offlineQueue,
    ...(retry ? { retryStrategy: retry } : {}),
  };
  if (topology.kind === 'sentinel') return closingFailoverDetector(new Redis({ ...sentinelOptions(topology), ...own }));
  return new Redis(topology.url, own);
}

/**
 * A connection that only listens on pub/sub channels. It says `ready` each
 * time it (re)connects, when the caller subscribes again (nothing is
 * resubscribed behind its back), and `close` whenever it lost its connection:
 * messages published until the next `ready` are not heard.
 */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/**
 * A subscriber connection of its own (a subscribed connection can run
 * nothing else). One server and Sentinel: a plain connection that reconnects
 * (through the Sentinels, to whichever server is master). Cluster: published
 * messages reach every node, so it listens on one node and moves to the next
 * one it knows of when that node goes away (`client`, the cluster's command
 * connection, tells it the nodes discovered since start).
 */
export function createRedisSubscriber(topology: RedisTopology, client?: RedisClient): RedisSubscriber {
  if (topology.kind === 'cluster') {
    const discovered = () =>
      client instanceof Cluster
        ? client.nodes('all').flatMap((node) => {
            const { host, port } = node.options;
            return host && port ? [{ host, port }] : [];
          })
        : [];
    return new ClusterNodeSubscriber(topology, discovered);
  }
  const own: RedisOptions = { autoResubscribe: false };
  if (topology.kind === 'sentinel') return closingFailoverDetector(new Redis({ ...sentinelOptions(topology), ...own }));
  return new Redis(topology.url, own);
}

/** Listens on one node of a cluster at a time; on losing it, connects to the next node known. */
class ClusterNodeSubscriber extends EventEmitter implements RedisSubscriber {
  private connection: Redis | undefined;
  private closing = false;
  private attempt = 0;
  private next: NodeJS.Timeout | undefined;
  // Replicas start on different nodes, spreading their connections.
  private cursor = Math.floor(Math.random() * 1000);

  constructor(
    private readonly topology: Extract<RedisTopology, { kind: 'cluster' }>,
    private readonly discovered: () => RedisNode[],
  ) {
    super();
    this.open();
  }

  private candidates(): RedisNode[] {
    const seen = new Map<string, RedisNode>();
    for (const node of [...this.discovered(), ...this.topology.nodes]) seen.set(nodeText(node), node);
    return [...seen.values()];
  }

  private open() {
    const nodes = this.candidates();
    const node = nodes[this.cursor % nodes.length] as RedisNode;
    this.cursor += 1;
    const connection = new Redis({
      host: node.host,
      port: node.port,
      ...(this.topology.username !== undefined ? { username: this.topology.username } : {}),
      ...(this.topology.password !== undefined ? { password: this.topology.password } : {}),
      autoResubscribe: false,
      // No reconnection to this node: the next attempt goes to another one.
      retryStrategy: () => null,
    });
    this.connection = connection;
    connection.on('ready', () => {
      this.attempt = 0;
      this.emit('ready');
    });
    connection.on('error', (error: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    connection.on('message', (channel: string, message: string) => this.emit('message', channel, message));
    connection.once('end', () => {
      if (this.connection !== connection) return;
      this.emit('close');
      if (this.closing) return;
      const delay = Math.min(100 * 2 ** this.attempt, 2000);
      this.attempt += 1;
      this.next = setTimeout(() => this.open(), delay);
    });
  }

  async subscribe(channel: string) {
    if (!this.connection) throw new Error('the subscriber is closed');
    return this.connection.subscribe(channel);
  }

  async quit() {
    this.closing = true;
    clearTimeout(this.next);
    const connection = this.connection;
    if (!connection || connection.status === 'end') return;
    await connection.quit().catch(() => connection.disconnect());
  }

  disconnect() {
    this.closing = true;
    clearTimeout(this.next);
    this.connection?.disconnect();
  }
}
