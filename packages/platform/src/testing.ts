/**
 * Test-only: Redis topologies started by the tests themselves on free
 * loopback ports (never the shared 6379) — a Redis Cluster of masters made
 * with `redis-cli --cluster create`, a master with a replica and a Sentinel —
 * and stopped, their files removed, when the test is done. They need
 * `redis-server` and `redis-cli` on the PATH and fail (never skip) without them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { RedisNode } from './redis';

const running = new Set<ChildProcess>();
// A test run that dies before its afterAll must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TCP port nobody listens on right now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const missing = (binary: string) =>
  new Error(
    `${binary} was not found on the PATH: the Redis topology tests start their own servers; install Redis 7 (Debian: apt-get install redis-server)`,
  );

interface ServerProcess {
  child: ChildProcess;
  output(): string;
}

function startServer(args: string[]): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      running.delete(child);
      reject(error.code === 'ENOENT' ? missing('redis-server') : error);
    });
    child.once('spawn', () => {
      running.add(child);
      resolve({ child, output: () => output });
    });
    child.once('exit', () => running.delete(child));
  });
}

async function stopServer(server: ServerProcess) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), delay(5000, false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(missing('redis-cli'));
      else if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs one command on one server with a connection of its own. */
export async function redisCommand(node: RedisNode, password: string | undefined, ...args: (string | number)[]) {
  const connection = new Redis({
    host: node.host,
    port: node.port,
    ...(password !== undefined ? { password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  connection.on('error', () => {});
  try {
    await connection.connect();
    const [command, ...rest] = args.map(String);
    return await connection.call(command as string, ...rest);
  } finally {
    connection.disconnect();
  }
}

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  log?: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}${log ? `\n${log()}` : ''}`,
      );
    }
    await delay(50);
  }
}

const commonArgs = (port: number, dir: string) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--daemonize',
  'no',
  '--dir',
  dir,
];

const passwordArgs = (password: string | undefined) =>
  password === undefined ? [] : ['--requirepass', password, '--masterauth', password];

export interface TestRedisCluster {
  /** The masters, in the order they were started. */
  nodes: RedisNode[];
  /** The nodes as REDIS_CLUSTER_NODES takes them. */
  setting: string;
  password: string | undefined;
  /** Runs a command on one node. */
  command(node: RedisNode, ...args: (string | number)[]): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters without replicas (`--cluster-enabled
 * yes`, joined by `redis-cli --cluster create`), with every slot assigned and
 * `cluster_state:ok` on every node before it returns.
 */
export async function startRedisCluster(
  options: { masters?: number; password?: string } = {},
): Promise<TestRedisCluster> {
  const count = options.masters ?? 3;
  const { password } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'sp-redis-cluster-'));
  const servers: ServerProcess[] = [];
  const nodes: RedisNode[] = [];
  const stop = async () => {
    await Promise.all(servers.map(stopServer));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < count; index += 1) {
      const port = await freeTcpPort();
      // The cluster bus would be port + 10000, which may be taken or out of range: give it a free port too.
      const busPort = await freeTcpPort();
      servers.push(
        await startServer([
          ...commonArgs(port, dir),
          ...passwordArgs(password),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          '3000',
        ]),
      );
      nodes.push({ host: '127.0.0.1', port });
    }
    const log = () => servers.map((server) => server.output()).join('\n');
    for (const node of nodes) {
      await waitUntil(
        `redis-server on ${node.port}`,
        async () => (await redisCommand(node, password, 'PING')) === 'PONG',
        15_000,
        log,
      );
    }
    await redisCli([
      ...(password !== undefined ? ['-a', password, '--no-auth-warning'] : []),
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const node of nodes) {
      await waitUntil(
        `cluster_state:ok on ${node.port}`,
        async () => {
          const info = String(await redisCommand(node, password, 'CLUSTER', 'INFO'));
          return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${count}`);
        },
        30_000,
        log,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    setting: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    password,
    command: (node, ...args) => redisCommand(node, password, ...args),
    stop,
  };
}

export interface TestRedisSentinel {
  /** The master group name (REDIS_SENTINEL_NAME). */
  name: string;
  /** The Sentinel (REDIS_SENTINELS). */
  sentinel: RedisNode;
  /** The servers: the first starts as master, the second as its replica. */
  servers: RedisNode[];
  /** REDIS_PASSWORD (both servers) and REDIS_SENTINEL_PASSWORD. */
  password: string | undefined;
  sentinelPassword: string | undefined;
  /** The master the Sentinel names now. */
  master(): Promise<RedisNode>;
  /** `SENTINEL FAILOVER`: resolves with the new master once it is master and the Sentinel names it. */
  failover(): Promise<RedisNode>;
  command(node: RedisNode, ...args: (string | number)[]): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * A master, its replica and one Sentinel monitoring them (quorum 1), ready
 * when the Sentinel knows the replica (so a failover can promote it).
 */
export async function startRedisSentinel(
  options: { name?: string; password?: string; sentinelPassword?: string } = {},
): Promise<TestRedisSentinel> {
  const name = options.name ?? 'statuspage';
  const { password, sentinelPassword } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'sp-redis-sentinel-'));
  const processes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map(stopServer));
    await rm(dir, { recursive: true, force: true });
  };
  const log = () => processes.map((server) => server.output()).join('\n');
  const masterPort = await freeTcpPort();
  const replicaPort = await freeTcpPort();
  const sentinelPort = await freeTcpPort();
  const servers = [masterPort, replicaPort].map((port) => ({ host: '127.0.0.1', port }));
  const sentinel = { host: '127.0.0.1', port: sentinelPort };
  const [masterNode, replicaNode] = servers as [RedisNode, RedisNode];
  const askSentinel = (...args: (string | number)[]) => redisCommand(sentinel, sentinelPassword, 'SENTINEL', ...args);
  const master = async (): Promise<RedisNode> => {
    const [host, port] = (await askSentinel('get-master-addr-by-name', name)) as [string, string];
    return { host, port: Number(port) };
  };
  try {
    processes.push(await startServer([...commonArgs(masterPort, dir), ...passwordArgs(password)]));
    processes.push(
      await startServer([
        ...commonArgs(replicaPort, dir),
        ...passwordArgs(password),
        '--replicaof',
        masterNode.host,
        String(masterNode.port),
      ]),
    );
    // The Sentinel learns of replicas from the master's INFO, which it asks every 10 s: start it once the
    // replica is attached, so its first INFO names it.
    await waitUntil(
      'the replica in sync',
      async () =>
        String(await redisCommand(replicaNode, password, 'INFO', 'replication')).includes('master_link_status:up'),
      20_000,
      log,
    );
    const config = path.join(dir, 'sentinel.conf');
    await writeFile(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        ...(sentinelPassword !== undefined ? [`requirepass "${sentinelPassword}"`] : []),
        `sentinel monitor ${name} ${masterNode.host} ${masterNode.port} 1`,
        ...(password !== undefined ? [`sentinel auth-pass ${name} "${password}"`] : []),
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    processes.push(await startServer([config, '--sentinel']));
    await waitUntil(
      'the Sentinel to know the master and its replica',
      async () => {
        const replicas = (await askSentinel('replicas', name)) as string[][];
        return replicas.some((fields) => {
          const entry = new Map<string, string>();
          for (let index = 0; index + 1 < fields.length; index += 2) {
            entry.set(fields[index] as string, fields[index + 1] as string);
          }
          return Number(entry.get('port')) === replicaPort && entry.get('flags') === 'slave';
        });
      },
      30_000,
      log,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    sentinel,
    servers,
    password,
    sentinelPassword,
    master,
    async failover() {
      const before = await master();
      await askSentinel('failover', name);
      return waitUntil(
        'the failover',
        async () => {
          const now = await master();
          if (now.port === before.port) return undefined;
          const role = (await redisCommand(now, password, 'ROLE')) as unknown[];
          return role[0] === 'master' ? now : undefined;
        },
        30_000,
        log,
      );
    },
    command: (node, ...args) => redisCommand(node, node.port === sentinelPort ? sentinelPassword : password, ...args),
    stop,
  };
}
