import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from '@statuspage/db';
import { getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { type AuditActor, type AuditContext, auditedTables, auditSetting } from './rules';
import { setAuditSetting } from './store';

interface ActiveContext extends AuditContext {
  resolved?: Promise<AuditActor>;
}

const storage = new AsyncLocalStorage<ActiveContext>();

/**
 * Runs `fn` with an audit context: every transaction core opens inside it (for this request or job)
 * records its actor and origin, and the audit trigger attributes the transaction's changes to them.
 */
export function withAuditContext<T>(context: AuditContext, fn: () => T): T {
  return storage.run({ ...context }, fn);
}

/** Runs `fn` outside any audit context (authentication: its writes are no one's change). */
export function withoutAuditContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The same context with another actor (an integration's payload: the integration, not the caller). */
export function withAuditActor<T>(actor: AuditActor, fn: () => T): T {
  const current = storage.getStore();
  return storage.run({ ...current, actor, resolved: undefined }, fn);
}

function actorOf(context: ActiveContext): Promise<AuditActor> {
  if (!context.resolved) {
    const { actor } = context;
    context.resolved = Promise.resolve(typeof actor === 'function' ? actor() : actor);
    // A failed lookup is not kept: the next transaction asks again.
    context.resolved.catch(() => {
      context.resolved = undefined;
    });
  }
  return context.resolved;
}

/**
 * The database every use-case of core is given: its transactions, opened inside an audit context,
 * first set `statuspage.audit` (transaction-local), so that the changes they make are attributed.
 * Outside a context (the worker's deliveries, reads) it is the database itself, at no cost.
 */
export function auditedDatabase(db: Database): Database {
  if (audited.has(db)) return db;
  const transaction: Database['transaction'] = (run, config) => {
    const context = storage.getStore();
    if (!context) return db.transaction(run, config);
    return db.transaction(async (tx) => {
      await setAuditSetting(tx, auditSetting(await actorOf(context), context));
      return run(tx);
    }, config);
  };
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'transaction') return transaction;
      if (typeof property === 'string' && writeMethods.has(property) && storage.getStore()) {
        return (table: PgTable) => {
          assertInTransaction(table);
          return (Reflect.get(target, property, receiver) as (table: PgTable) => unknown).call(receiver, table);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  audited.add(proxy);
  return proxy;
}

const audited = new WeakSet<Database>();
const writeMethods = new Set(['insert', 'update', 'delete']);

/**
 * A write of an audited table in an audit context but outside a transaction would carry no actor
 * (the setting is transaction-local) and be recorded as the system's: a programming error, refused
 * at once so that the tests, the fuzz test calling every operation among them, find it.
 */
function assertInTransaction(table: PgTable) {
  const name = getTableName(table);
  if (name in auditedTables) {
    throw new Error(`a write of ${name} in an audit context must run in a transaction (it would carry no actor)`);
  }
}
