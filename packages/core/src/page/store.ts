import { type Database, pageSettings } from '@statuspage/db';

// The SQL of the page module; every function takes the db or the transaction first.

export type PageSettingsRow = typeof pageSettings.$inferSelect;
export type PageSettingsValues = Omit<typeof pageSettings.$inferInsert, 'id'>;

/** The settings row, if an admin ever saved one. */
export async function readSettings(db: Database): Promise<PageSettingsRow | undefined> {
  const [row] = await db.select().from(pageSettings).limit(1);
  return row;
}

/** Writes the one row (creating it the first time). */
export async function writeSettings(db: Database, values: PageSettingsValues): Promise<PageSettingsRow> {
  const [row] = await db
    .insert(pageSettings)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: pageSettings.id, set: values })
    .returning();
  if (!row) throw new Error('page settings were not written');
  return row;
}
