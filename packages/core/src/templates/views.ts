import type { Template } from '@statuspage/contracts';
import type { templates } from '@statuspage/db';

export type TemplateRow = typeof templates.$inferSelect;

/** The wire shape of a template row. */
export function toTemplate(row: TemplateRow): Template {
  return {
    id: row.id,
    slug: row.slug,
    type: row.type,
    title_template: row.titleTemplate,
    body_template: row.bodyTemplate,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
