import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';

/** Everything the page use-cases are given by createCore (the module needs no other module). */
export interface PageDeps {
  db: Database;
  clock: Clock;
}
