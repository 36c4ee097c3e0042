// The templates module: event templates with Go-style macros (the engine is `macros.ts`).
import type { CreateTemplateInput, PreviewTemplateInput } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import type { TemplateDeps } from './ports';
import { assertTemplateExists, getTemplate, getTemplateById, listTemplates, previewTemplate } from './reads';
import { renderEventTemplate } from './rules';
import { createTemplate, deleteTemplate } from './writes';

export { TemplateErrors } from './errors';
export {
  checkTemplate,
  formatTimestamp,
  parseTemplate,
  renderTemplate,
  type TemplatePart,
  TemplateSyntaxError,
  type TemplateValues,
} from './macros';
export type { TemplateDeps } from './ports';
export { assertTemplateExists, getTemplateById } from './reads';
export { assertValidTemplate, type RenderedTemplate, renderEventTemplate, sampleTemplateValues } from './rules';

/** Event templates: list, get, create (macros checked), preview, delete. */
export function createTemplateUseCases(deps: TemplateDeps) {
  return {
    /** Every template, by slug. */
    list: () => listTemplates(deps),
    /** One template by slug. */
    get: (slug: string) => getTemplate(deps, slug),
    /** One template by id, or null (for other modules through createCore). */
    getById: (id: string) => getTemplateById(deps.db, id),
    create: (input: CreateTemplateInput) => createTemplate(deps, input),
    preview: (input: PreviewTemplateInput) => previewTemplate(deps, input),
    delete: (id: string) => deleteTemplate(deps, id),
  };
}
export type TemplateUseCases = ReturnType<typeof createTemplateUseCases>;

/**
 * What integrations asks of templates (an incident's title and body from the chosen template):
 * implements the integrations module's `IntegrationTemplates` port, checked where createCore wires it.
 */
export const templatesForIntegrations = {
  async render(tx: Database, templateId: string, values: { serviceName: string; startedAt: Date }) {
    const template = await getTemplateById(tx, templateId);
    if (!template) return null;
    return renderEventTemplate(template, { ServiceName: values.serviceName, StartedAt: values.startedAt });
  },
  assertExists: assertTemplateExists,
};
