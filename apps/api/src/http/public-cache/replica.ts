/**
 * Which database answers a refill of the public cache when a read replica is configured
 * (DATABASE_READ_URL): the replica, when it has replayed the latest write the cache was cleared
 * for; the primary otherwise. A replica that lags must never refill the cache with an answer
 * older than the write that cleared it: that answer would be served until the next write.
 *
 * The rule:
 * - Every clear carries the primary's WAL position after the write that caused it: the writer
 *   asks `pg_current_wal_lsn()` once its transaction committed (`writePosition`), and the
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
 */
import type { IncomingMessage } from 'node:http';
import type { Core, PublicReads } from '@statuspage/core';
import { type DbClient, walPositionValue } from '@statuspage/db';
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

/** The refills the routing sent to the replica (the rest, and every other request, use the primary). */
const fromReplica = new WeakSet<IncomingMessage>();

/**
 * The public reads a request's handler uses: over the read replica when the public cache routed
 * this refill there, otherwise the primary's (`core` itself).
 */
export function publicReadsOf(core: Core, req: IncomingMessage): PublicReads {
  return fromReplica.has(req) ? core.replicaReads : core;
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
    const replayed = await replica.replayedWalPosition();
    // Not in recovery: it has every committed write, at least up to what is asked now.
    const reached = replayed === null ? required.position : walPositionValue(replayed);
    if (reached > confirmed) confirmed = reached;
    return reached >= required.position;
  }

  return {
    /** Decides where this refill reads (never throws: a replica that does not answer leaves it on the primary). */
    async route(req: IncomingMessage) {
      let useReplica = false;
      try {
        useReplica = await replicaMayAnswer();
        warned = false;
      } catch (error) {
        warnOnce(error, 'read replica unavailable: public refills read the primary');
      }
      if (useReplica) {
        fromReplica.add(req);
        counters.replicaRefills += 1;
      } else {
        counters.primaryRefills += 1;
      }
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
}
