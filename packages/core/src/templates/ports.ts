import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';

/** Everything the templates use-cases are given by createCore (templates need no other module). */
export interface TemplateDeps {
  db: Database;
  clock: Clock;
}
