/**
 * Database servers of a test's own, on free ports, stopped by the test: a PostgreSQL primary
 * with a streaming hot standby (initdb, pg_basebackup; Debian's postgresql packages or
 * PG_BINDIR), and PgBouncer (Debian's pgbouncer package or PGBOUNCER_PATH) in front of a
 * database. Missing binaries fail the test with what to install; nothing is skipped.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort as freePort } from '@statuspage/platform/testing';
import postgres from 'postgres';

/** The servers refuse to run as root: as root, they run as the `postgres` user. */
const asRoot = process.getuid?.() === 0;

/** The folder of initdb, pg_ctl and pg_basebackup. */
function postgresBinaries(): string {
  const candidates = [process.env.PG_BINDIR];
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0) candidates.push(config.stdout.trim());
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  const found = candidates.find((dir) => dir && existsSync(path.join(dir, 'initdb')));
  if (!found) {
    throw new Error(
      'no initdb found (PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/<version>/bin): install PostgreSQL (apt-get install postgresql)',
    );
  }
  return found;
}

/** Runs a server-side command to its end (as `postgres` when root), failing with its output. */
function runTool(command: string, args: string[]) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  try {
    execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} failed: ${failure.message}\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

/** A folder the servers may write (owned by `postgres` when root). */
function serverFolder(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  return dir;
}

const uidOf = (user: string) => Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
const gidOf = (user: string) => Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());

export interface PostgresServer {
  port: number;
  /** A connection URL of one of its databases (as postgres, trusted). */
  url(database?: string): string;
  /** Connects as postgres (for what the test checks itself). */
  connect(database?: string): postgres.Sql;
  /** Stops it at once (as a crash would) and removes its files; again: nothing. */
  stop(): Promise<void>;
}

function serverAt(bin: string, dir: string, data: string, port: number): PostgresServer {
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    url,
    connect: (database) => postgres(url(database), { max: 2, onnotice: () => {} }),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (existsSync(path.join(data, 'postmaster.pid'))) {
        runTool(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startServer(bin: string, dir: string, data: string, port: number) {
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    // A test's own throwaway cluster: durability is not what it tests.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=60',
  ].join(' ');
  runTool(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', 'start']);
}

/** A new PostgreSQL cluster (a primary: WAL for replicas, replication connections trusted on loopback). */
export async function startPrimary(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  const dir = serverFolder('sp-primary-');
  const data = path.join(dir, 'data');
  // initdb's trust authentication also admits replication connections from 127.0.0.1.
  runTool(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  startServer(bin, dir, data, port);
  return serverAt(bin, dir, data, port);
}

/** A hot standby streaming from `primary` (pg_basebackup -R), read-only, replaying as it receives. */
export async function startStandby(primary: PostgresServer): Promise<PostgresServer> {
  const bin = postgresBinaries();
  const dir = serverFolder('sp-standby-');
  const data = path.join(dir, 'data');
  runTool(path.join(bin, 'pg_basebackup'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    data,
    '-X',
    'stream',
    '-R',
    '-c',
    'fast',
    '--no-sync',
  ]);
  const port = await freePort();
  startServer(bin, dir, data, port);
  return serverAt(bin, dir, data, port);
}

/** Waits until the standby has replayed everything the primary has written so far. */
export async function waitForReplay(primary: postgres.Sql, standby: postgres.Sql, timeoutMs = 30_000) {
  // The insert position, as the api asks it after a write.
  const [{ lsn }] = (await primary`select pg_current_wal_insert_lsn()::text as lsn`) as unknown as [{ lsn: string }];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await standby`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as caught_up`;
    if (row?.caught_up) return;
    if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${lsn}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface PgBouncer {
  port: number;
  /** The URL of the database behind it, through it. */
  url: string;
  /** Its log so far (what it refused, and why). */
  log(): string;
  stop(): Promise<void>;
}

/** The pgbouncer binary: PGBOUNCER_PATH, `pgbouncer` on the PATH, or Debian's /usr/sbin/pgbouncer. */
function pgbouncerBinary(): string {
  const candidates = [process.env.PGBOUNCER_PATH, '/usr/sbin/pgbouncer'];
  const which = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  if (which.status === 0) candidates.unshift(which.stdout.trim());
  const found = candidates.find((file) => file && existsSync(file));
  if (!found) {
    throw new Error('no pgbouncer binary (PGBOUNCER_PATH, PATH, /usr/sbin): install it (apt-get install pgbouncer)');
  }
  return found;
}

/**
 * PgBouncer in transaction pooling in front of one database of `server` (a PostgreSQL URL's host
 * and port), at most `poolSize` server connections for any number of clients. Clients connect
 * as any user without a password and are logged in to PostgreSQL as `postgres`.
 */
export async function startPgBouncer(options: {
  host: string;
  port: number;
  database: string;
  poolSize: number;
}): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  const dir = serverFolder('sp-pgbouncer-');
  const port = await freePort();
  const logFile = path.join(dir, 'pgbouncer.log');
  const config = path.join(dir, 'pgbouncer.ini');
  writeFileSync(
    config,
    [
      '[databases]',
      `${options.database} = host=${options.host} port=${options.port} dbname=${options.database} user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Local test: no passwords (auth_type any needs the user forced in [databases]).
      'auth_type = any',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      'max_client_conn = 200',
      // PGBOUNCER_VERBOSE=3 logs every packet (what a hanging client sent last): see log().
      `verbose = ${process.env.PGBOUNCER_VERBOSE ?? 0}`,
      `logfile = ${logFile}`,
      // It refuses to run as root; started as root it switches to this user.
      ...(asRoot ? ['user = postgres'] : []),
      '',
    ].join('\n'),
  );
  if (asRoot) chownSync(config, uidOf('postgres'), gidOf('postgres'));
  const child: ChildProcess = spawn(binary, [config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + stderr;
  const url = `postgres://postgres@127.0.0.1:${port}/${options.database}`;
  // Ready when it answers a query (it listens a moment after it starts).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${log()}`);
    const probe = postgres(url, { max: 1, prepare: false, connect_timeout: 2, onnotice: () => {} });
    try {
      await probe`select 1`;
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`pgbouncer did not answer: ${error}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await probe.end({ timeout: 1 });
    }
  }
  return {
    port,
    url,
    log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const stubborn = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(stubborn);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
