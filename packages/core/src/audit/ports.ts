import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';

/** Everything the audit use-cases are given by createCore (the module needs no other module). */
export interface AuditDeps {
  db: Database;
  clock: Clock;
}
