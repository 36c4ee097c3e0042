import type { Database } from '@statuspage/db';

/**
 * Which of these services are in an active event (not resolved, completed or
 * scheduled). Archiving is refused for them. Events do not exist yet: the
 * events module fills this in.
 */
export async function servicesInActiveEvents(_db: Database, _serviceIds: readonly string[]): Promise<string[]> {
  return [];
}
