/**
 * Which database answers a refill of the public cache when a read replica is configured
 * (DATABASE_READ_URL): the replica, when it has replayed the latest write the cache was cleared
 * for; the primary otherwise. A replica that lags must never refill the cache with an answer
 * older than the write that cleared it: that answer would be served until the next write.
 *
 * The rule:
 * - Every clear carries the primary's WAL position after the write that caused it: the writer
 *   asks the primary's WAL insert position (`pg_current_wal_insert_lsn()`, past the commit
 *   record even with `synchronous_commit = off`) once its transaction committed (`writePosition`), and the
 *   position travels with the invalidation to the other api replicas (bus.ts). The cache keeps
 *   the highest one (store.ts, `requirement`).
 * - A refill reads the replica only when the replica's `pg_last_wal_replay_lsn()` is at least
 *   that position. NULL (a server not in recovery, e.g. the primary itself under a second
 *   connection string) has everything committed.
 * - A clear without a position (the worker's maintenance transitions, an api without a read
 *   replica, the start of this process, the invalidation channel down or reconnected) makes the
 *   position unknown: refills read the primary until the primary's current position, asked
 *   after that clear, is known again.
 *
 * Cost: a cache hit, nothing; a refill, at most one query to the replica, and none once the
 * replica was seen at or past the position (until the next write); a write, one query to the
 * primary. Only requests that refill the cache (anonymous GET/HEAD of a cached route) are ever
 * routed here; every other request, and any request this module did not mark, reads the primary.
 *
 * A replica that does not answer costs no answer: the check gives up after a moment, and a read
 * that fails because of the server (`isServerUnavailable`: no connection, shutting down, a
 * recovery conflict) is read again on the primary; the replica is checked anew next time.
 */
import type { IncomingMessage } from 'node:http';
import type { Core, PublicReads } from '@statuspage/core';
import { type DbClient, isServerUnavailable, walPositionValue } from '@statuspage/db';
import type { Logger } from 'pino';
import type { CacheStore } from './store';

/** What the routing asks of a database: where the primary's WAL is, how far a replica replayed it. */
export type WalSource = Pick<DbClient, 'currentWalPosition' | 'replayedWalPosition'>;

export interface ReplicaDatabases {
  /** DATABASE_URL: every write, and the position a refill must see. */
  primary: WalSource;
  /** DATABASE_READ_URL: one replica (a balancer over several would answer each query from another). */
  replica: WalSource;
}

/** How long a refill waits for the replica to tell its replay position before reading the primary. */
const CHECK_TIMEOUT_MS = 1000;

/** The refills the routing sent to the replica, with their routing (every other request uses the primary). */
const fromReplica = new WeakMap<IncomingMessage, ReplicaRouting>();

/**
 * The public reads a request's handler uses: over the read replica when the public cache routed
 * this refill there (read again on the primary when the replica cannot answer), otherwise the
 * primary's (`core` itself).
 */
export function publicReadsOf(core: Core, req: IncomingMessage): PublicReads {
  return fromReplica.get(req)?.readsOf(core) ?? core;
}

/**
 * The replica's reads, each one read again on the primary when it fails because of the server
 * (the same use-case, the primary's instance); other failures (not found, bad input) stay.
 */
function withFallback(replica: PublicReads, primary: PublicReads, failed: (error: unknown) => void): PublicReads {
  const module = <M extends object>(onReplica: M, onPrimary: M): M => {
    const methods = onReplica as Record<string, unknown>;
    const fallbacks = onPrimary as Record<string, (...args: unknown[]) => unknown>;
    const wrapped: Record<string, unknown> = {};
    for (const name of Object.keys(methods)) {
      if (typeof methods[name] !== 'function') continue;
      wrapped[name] = async (...args: unknown[]) => {
        try {
          return await (methods[name] as (...args: unknown[]) => unknown)(...args);
        } catch (error) {
          if (!isServerUnavailable(error)) throw error;
          failed(error);
          return fallbacks[name]?.(...args);
        }
      };
    }
    return wrapped as M;
  };
  return {
    services: module(replica.services, primary.services),
    groups: module(replica.groups, primary.groups),
    events: module(replica.events, primary.events),
    page: module(replica.page, primary.page),
    uptime: module(replica.uptime, primary.uptime),
    syndication: module(replica.syndication, primary.syndication),
  };
}

/** Settles as `promise`, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export type ReplicaRouting = ReturnType<typeof createReplicaRouting>;

/** The routing of one api instance's refills, over its cache's requirement. */
export function createReplicaRouting(store: CacheStore, databases: ReplicaDatabases, logger: Logger) {
  const { primary, replica } = databases;
  const { counters } = store;
  /** The replica was seen to have replayed at least this far (replay only moves forward). */
  let confirmed = -1n;
  let learning: Promise<void> | undefined;
  let warned = false;

  function warnOnce(error: unknown, message: string) {
    if (!warned) logger.warn({ err: error }, message);
    warned = true;
  }

  /** Asks the primary where its WAL is, so that an unknown requirement becomes known (one question at a time). */
  function learnPosition() {
    if (learning) return;
    const { epoch } = store.requirement();
    learning = primary
      .currentWalPosition()
      .then(
        (position) => store.settle(epoch, position),
        (error: unknown) => warnOnce(error, 'cannot read the primary WAL position: public refills read the primary'),
      )
      .finally(() => {
        learning = undefined;
      });
  }

  async function replicaMayAnswer(): Promise<boolean> {
    const required = store.requirement();
    if (required.unknown) {
      learnPosition();
      return false;
    }
    if (confirmed >= required.position) return true;
    const replayed = await within(replica.replayedWalPosition(), CHECK_TIMEOUT_MS);
    // Not in recovery: it has every committed write, at least up to what is asked now.
    const reached = replayed === null ? required.position : walPositionValue(replayed);
    if (reached > confirmed) confirmed = reached;
    return reached >= required.position;
  }

  /** A read on the replica failed because of the server: read the primary, and check the replica next time. */
  function replicaFailed(error: unknown) {
    confirmed = -1n;
    counters.replicaFallbacks += 1;
    warnOnce(error, 'read replica unavailable: public refills read the primary');
  }
  const readsByCore = new WeakMap<Core, PublicReads>();

  const routing = {
    /** Decides where this refill reads (never throws: a replica that does not answer leaves it on the primary). */
    async route(req: IncomingMessage) {
      let useReplica = false;
      try {
        useReplica = await replicaMayAnswer();
        warned = false;
      } catch (error) {
        confirmed = -1n;
        warnOnce(error, 'read replica unavailable: public refills read the primary');
      }
      if (useReplica) {
        fromReplica.set(req, routing);
        counters.replicaRefills += 1;
      } else {
        counters.primaryRefills += 1;
      }
    },

    /** The reads of a refill routed to the replica: its own, each falling back to the primary's. */
    readsOf(core: Core): PublicReads {
      let reads = readsByCore.get(core);
      if (!reads) {
        reads = withFallback(core.replicaReads, core, replicaFailed);
        readsByCore.set(core, reads);
      }
      return reads;
    },

    /** The primary's WAL position now (after a write committed); undefined when it does not answer. */
    async writePosition(): Promise<string | undefined> {
      try {
        return await primary.currentWalPosition();
      } catch (error) {
        warnOnce(error, 'cannot read the primary WAL position after a write: public refills read the primary');
        return undefined;
      }
    },
  };
  return routing;
}
