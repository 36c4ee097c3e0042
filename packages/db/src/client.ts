import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
/** The drizzle handle every query function takes: a database or a transaction. */
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DbClient {
  db: Database;
  /** `postgres` for a server given by DATABASE_URL, `pglite` for the embedded default. */
  driver: 'postgres' | 'pglite';
  /** Answers when the database answers; throws otherwise. */
  ping(): Promise<void>;
  /** Applies the committed migrations. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * This client's connections to PostgreSQL as the server sees them (from
   * `pg_stat_activity`, by the client's own `application_name`): in use (a
   * query or a transaction running) and idle, and the pool's size. Undefined
   * for PGlite, which has no pool.
   */
  poolStats(): Promise<PoolStats | undefined>;
  /**
   * The server's WAL position now, as `X/Y` text: after a write committed, what a read replica
   * must have replayed to show it. The insert position (`pg_current_wal_insert_lsn()`), not the
   * write position (`pg_current_wal_lsn()`): with `synchronous_commit = off` a commit returns
   * before its record is written, and only the insert position is sure to be past it. Fails on
   * a server in recovery.
   */
  currentWalPosition(): Promise<string>;
  /**
   * How far this server has replayed the primary's WAL (`pg_last_wal_replay_lsn()`); null when it
   * is not in recovery (a primary, PGlite): then it has everything that committed.
   */
  replayedWalPosition(): Promise<string | null>;
}

export interface PoolStats {
  max: number;
  inUse: number;
  idle: number;
}

export interface DbOptions {
  /** PostgreSQL URL; without it the embedded PGlite database in `dataDir` is used. */
  url?: string | undefined;
  poolSize?: number;
  /** Folder of the embedded database; `memory://` keeps it in memory. */
  dataDir?: string;
  /**
   * Server-side prepared statements (postgres.js `prepare`, default true). Off for PgBouncer in
   * transaction pooling before 1.21 (it cannot follow a named statement from one server
   * connection to the next): every statement is then unnamed, parsed with its execution.
   */
  preparedStatements?: boolean;
}

// Resolved through the package (not this file's URL) so that it holds when an
// app bundles this package: the migrations stay in packages/db/migrations.
const packageDir = path.dirname(createRequire(import.meta.url).resolve('@statuspage/db/package.json'));
export const migrationsFolder = path.join(packageDir, 'migrations');
const repoRoot = path.resolve(packageDir, '..', '..');
/** Where the embedded database lives when PGLITE_DATA_DIR is not set: `<repo>/.data/pglite`. */
export const defaultPgliteDir = path.join(repoRoot, '.data', 'pglite');

/** Opens the database: postgres.js when a URL is given, PGlite otherwise. */
export async function createDb(options: DbOptions = {}): Promise<DbClient> {
  if (options.url) return createPostgres(options.url, options.poolSize ?? 10, options.preparedStatements ?? true);
  return createPglite(options.dataDir ?? defaultPgliteDir);
}

async function createPostgres(url: string, poolSize: number, prepare: boolean): Promise<DbClient> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // Unique per client, so that pg_stat_activity tells this pool's connections from others'.
  const applicationName = `statuspage-${process.pid}-${randomBytes(4).toString('hex')}`;
  const pool = postgres(url, {
    max: poolSize,
    prepare,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
  const sql = prepare ? pool : oneQueryAtATime(pool);
  const db = drizzle(sql, { schema });
  return {
    db: db as unknown as Database,
    driver: 'postgres',
    async ping() {
      await sql.unsafe('select 1', []);
    },
    async migrate() {
      await migrate(db, { migrationsFolder });
    },
    async close() {
      await pool.end({ timeout: 5 });
    },
    async poolStats() {
      // The connection asking is counted as idle: it is only busy because of this question.
      const [row] = await sql.unsafe<{ in_use: number; idle: number }[]>(
        `select count(*) filter (where state <> 'idle' and pid <> pg_backend_pid())::int as in_use,
                count(*) filter (where state = 'idle' or pid = pg_backend_pid())::int as idle
         from pg_stat_activity where application_name = $1`,
        [applicationName],
      );
      return { max: poolSize, inUse: row?.in_use ?? 0, idle: row?.idle ?? 0 };
    },
    async currentWalPosition() {
      const [row] = await sql.unsafe<{ lsn: string }[]>('select pg_current_wal_insert_lsn()::text as lsn', []);
      return walPositionOf(row?.lsn);
    },
    async replayedWalPosition() {
      const [row] = await sql.unsafe<{ lsn: string | null }[]>('select pg_last_wal_replay_lsn()::text as lsn', []);
      return row?.lsn ?? null;
    },
  };
}

/**
 * The pool, but a connection outside a transaction is given its next statement only once the
 * previous one has answered. Without named statements postgres.js describes each statement that
 * has parameters first (Parse, Describe, Flush, then Bind, Execute, Sync once it knows the
 * types). PgBouncer in transaction pooling counts the ReadyForQuery answers a client still
 * expects, not a Flush: a describe pipelined behind another statement is left on the server
 * connection that the earlier ReadyForQuery released, and its answer reaches another client
 * (seen on 1.18; pgbouncer/pgbouncer#759). Inside a transaction PgBouncer keeps the server
 * connection, so statements there still pipeline (`begin` gives them the transaction's own
 * client, not this one).
 */
function oneQueryAtATime(pool: Sql): Sql {
  // postgres.js asks `onexecute` whether the connection may take another statement at once.
  const unsafe = (query: string, parameters?: unknown[], options?: object) =>
    pool.unsafe(query, (parameters ?? []) as never[], { ...options, onexecute: () => false } as object);
  return new Proxy(pool, {
    get: (target, property, receiver) => (property === 'unsafe' ? unsafe : Reflect.get(target, property, receiver)),
  });
}

async function createPglite(dataDir: string): Promise<DbClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Database,
    driver: 'pglite',
    async ping() {
      await client.query('select 1');
    },
    async migrate() {
      await migrate(db, { migrationsFolder });
    },
    async close() {
      await client.close();
    },
    async poolStats() {
      return undefined;
    },
    async currentWalPosition() {
      const result = await client.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
      return walPositionOf(result.rows[0]?.lsn);
    },
    async replayedWalPosition() {
      // The embedded database is never a replica.
      return null;
    },
  };
}

/** Codes of postgres.js and Node for a connection that could not be made or was lost. */
const connectionFailures = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Whether a failed query failed because of the server rather than the query: no connection,
 * a connection lost, the server shutting down or starting (SQLSTATE class 08, 57P01–57P03), or
 * a hot standby cancelling it for a conflict with recovery (40001 there). The same read may
 * succeed on another server. Looks through drizzle's wrapping (`cause`).
 */
export function isServerUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (connectionFailures.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code)) return true;
      if (code === '40001' && /conflict with recovery/i.test(String((current as { message?: unknown }).message))) {
        return true;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A WAL position (`16/B374D848`) as a number, to compare two of them. */
export function walPositionValue(position: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(position);
  if (!match) throw new Error(`not a WAL position: ${position}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

function walPositionOf(text: string | undefined) {
  if (!text) throw new Error('the server did not tell its WAL position');
  return text;
}
