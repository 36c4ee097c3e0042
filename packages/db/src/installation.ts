import type { Database } from './client';
import { installation } from './schema';

/**
 * This database's installation id (created by the migrations; created here
 * if a restore or a hand-made schema lost the row). Give a copy restored
 * next to its original a new one: `update installation set id = gen_random_uuid()`.
 */
export async function readInstallationId(db: Database): Promise<string> {
  await db.insert(installation).values({}).onConflictDoNothing();
  const [row] = await db.select({ id: installation.id }).from(installation);
  if (!row) throw new Error('the installation row is missing');
  return row.id;
}
