import type { CreateTemplateInput, Template } from '@statuspage/contracts';
import { isUniqueViolation } from '../shared/pg-errors';
import { TemplateErrors } from './errors';
import type { TemplateDeps } from './ports';
import { assertValidTemplate } from './rules';
import { deleteTemplate as deleteTemplateRow, insertTemplate } from './store';
import { toTemplate } from './views';

/** Creates a template once both its title and body parse; the slug is unique. */
export async function createTemplate(deps: TemplateDeps, input: CreateTemplateInput): Promise<Template> {
  assertValidTemplate(input);
  const now = deps.clock();
  try {
    const row = await deps.db.transaction((tx) =>
      insertTemplate(tx, {
        slug: input.slug,
        type: input.type,
        titleTemplate: input.title_template,
        bodyTemplate: input.body_template,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return toTemplate(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw TemplateErrors.slugTaken();
    throw error;
  }
}

/** Deletes a template; events made from it keep their text (their template_id becomes null). */
export async function deleteTemplate(deps: TemplateDeps, id: string): Promise<void> {
  if (!(await deps.db.transaction((tx) => deleteTemplateRow(tx, id)))) throw TemplateErrors.notFound();
}
