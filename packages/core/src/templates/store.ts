import { type Database, templates } from '@statuspage/db';
import { asc, eq } from 'drizzle-orm';

// The SQL of the templates module. Every function takes the db or the transaction first.

/** Every template row, by slug. */
export function selectTemplates(db: Database) {
  return db.select().from(templates).orderBy(asc(templates.slug));
}

/** The template row with this slug, or undefined. */
export async function findTemplateBySlug(db: Database, slug: string) {
  const [row] = await db.select().from(templates).where(eq(templates.slug, slug));
  return row;
}

/** The template row with this id, or undefined. */
export async function findTemplateById(tx: Database, id: string) {
  const [row] = await tx.select().from(templates).where(eq(templates.id, id));
  return row;
}

/** Inserts a template; a taken slug raises the unique violation. */
export async function insertTemplate(db: Database, values: typeof templates.$inferInsert) {
  const [row] = await db.insert(templates).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Deletes a template; whether there was one. */
export async function deleteTemplate(db: Database, id: string) {
  const deleted = await db.delete(templates).where(eq(templates.id, id)).returning({ id: templates.id });
  return deleted.length > 0;
}
