// The audit module: who changed what, when and from where. The entries are written by a database
// trigger in the transaction of each change (migration 0015); this module sets the actor of those
// transactions (`auditedDatabase`, `withAuditContext`), lists the entries and prunes old ones.

import type { ListAuditInput } from '@statuspage/contracts';
import type { AuditDeps } from './ports';
import { listAuditEntries } from './reads';

export { auditedDatabase, withAuditActor, withAuditContext, withoutAuditContext } from './context';
export type { AuditDeps } from './ports';
export { pruneAuditEntries } from './prune';
export {
  type AuditActor,
  type AuditContext,
  type AuditedTable,
  auditedTables,
  triggerArguments,
  unauditedTables,
} from './rules';

/** The audit use-cases. */
export function createAuditUseCases(deps: AuditDeps) {
  return {
    /** A page of entries, newest first. */
    list: (input: ListAuditInput) => listAuditEntries(deps, input),
  };
}
export type AuditUseCases = ReturnType<typeof createAuditUseCases>;
