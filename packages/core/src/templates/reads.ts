import type { PreviewTemplateInput, Template } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { TemplateErrors } from './errors';
import type { TemplateDeps } from './ports';
import { previewValues, type RenderedTemplate, renderEventTemplate } from './rules';
import { findTemplateById, findTemplateBySlug, selectTemplates } from './store';
import { toTemplate } from './views';

/** Every template, by slug. */
export async function listTemplates(deps: TemplateDeps): Promise<Template[]> {
  const rows = await selectTemplates(deps.db);
  return rows.map(toTemplate);
}

/** One template by slug; not found otherwise. */
export async function getTemplate(deps: TemplateDeps, slug: string): Promise<Template> {
  const row = await findTemplateBySlug(deps.db, slug);
  if (!row) throw TemplateErrors.notFound();
  return toTemplate(row);
}

/** One template by id, or null. */
export async function getTemplateById(tx: Database, id: string): Promise<Template | null> {
  const row = await findTemplateById(tx, id);
  return row ? toTemplate(row) : null;
}

/** The template with this id; fails with 'invalid' on field `template_id` when there is none (for events). */
export async function assertTemplateExists(tx: Database, id: string): Promise<Template> {
  const template = await getTemplateById(tx, id);
  if (!template) throw TemplateErrors.unknownTemplate(id);
  return template;
}

/** Renders the template with the given values, sample values for the rest. */
export async function previewTemplate(deps: TemplateDeps, input: PreviewTemplateInput): Promise<RenderedTemplate> {
  const values = previewValues(input);
  return renderEventTemplate(await getTemplate(deps, input.slug), values);
}
