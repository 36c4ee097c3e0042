import type { CreateTemplateInput, PreviewTemplateInput, Template } from '@statuspage/contracts';
import { type Database, templates } from '@statuspage/db';
import { asc, eq } from 'drizzle-orm';
import type { Clock } from '../shared/clock';
import { isUniqueViolation } from '../shared/pg-errors';
import { TemplateErrors } from './errors';
import { checkTemplate, renderTemplate, type TemplateValues } from './macros';

export interface TemplateDeps {
  db: Database;
  clock: Clock;
}

/** A rendered template: the event's title and body. */
export interface RenderedTemplate {
  title: string;
  body: string;
}

type TemplateRow = typeof templates.$inferSelect;

function toTemplate(row: TemplateRow): Template {
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

/** Fails with 'invalid' naming each of title_template / body_template that does not parse. */
export function assertValidTemplate(template: Pick<Template, 'title_template' | 'body_template'>) {
  const fields = (['title_template', 'body_template'] as const).flatMap((field) => {
    const problem = checkTemplate(template[field]);
    return problem ? [{ field, message: problem.message }] : [];
  });
  if (fields.length > 0) throw TemplateErrors.invalidTemplate(fields);
}

/** Renders a template's title and body with the given values (missing values render empty). */
export function renderEventTemplate(
  template: Pick<Template, 'title_template' | 'body_template'>,
  values: TemplateValues,
): RenderedTemplate {
  return {
    title: renderTemplate(template.title_template, values),
    body: renderTemplate(template.body_template, values),
  };
}

/** The values a preview uses for every macro the request leaves out. */
export function sampleTemplateValues(): Required<TemplateValues> {
  return {
    ServiceName: 'Example service',
    ServiceGroupName: 'Example group',
    StartedAt: new Date('2026-01-15T09:30:00Z'),
    ResolvedAt: new Date('2026-01-15T10:45:00Z'),
    ScheduledStart: new Date('2026-01-20T22:00:00Z'),
    ScheduledEnd: new Date('2026-01-21T02:00:00Z'),
  };
}

/** One template by id, or null. */
export async function getTemplateById(tx: Database, id: string): Promise<Template | null> {
  const [row] = await tx.select().from(templates).where(eq(templates.id, id));
  return row ? toTemplate(row) : null;
}

/** The template with this id; fails with 'invalid' on field `template_id` when there is none (for events). */
export async function assertTemplateExists(tx: Database, id: string): Promise<Template> {
  const template = await getTemplateById(tx, id);
  if (!template) throw TemplateErrors.unknownTemplate(id);
  return template;
}

function timestampValue(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  // The contract schema already checks RFC 3339; this guards callers that skip it.
  if (Number.isNaN(date.getTime())) throw TemplateErrors.invalidValue(field, 'must be an RFC 3339 date-time');
  return date;
}

/** The values of a preview request; what it leaves out comes from the samples. */
function previewValues(input: PreviewTemplateInput): Required<TemplateValues> {
  const sample = sampleTemplateValues();
  return {
    ServiceName: input.service_name ?? sample.ServiceName,
    ServiceGroupName: input.service_group_name ?? sample.ServiceGroupName,
    StartedAt: timestampValue('started_at', input.started_at) ?? sample.StartedAt,
    ResolvedAt: timestampValue('resolved_at', input.resolved_at) ?? sample.ResolvedAt,
    ScheduledStart: timestampValue('scheduled_start', input.scheduled_start) ?? sample.ScheduledStart,
    ScheduledEnd: timestampValue('scheduled_end', input.scheduled_end) ?? sample.ScheduledEnd,
  };
}

/** Event templates: list, get, create (macros checked), preview, delete. */
export function createTemplateUseCases(deps: TemplateDeps) {
  const { db, clock } = deps;

  async function findBySlug(slug: string): Promise<Template> {
    const [row] = await db.select().from(templates).where(eq(templates.slug, slug));
    if (!row) throw TemplateErrors.notFound();
    return toTemplate(row);
  }

  return {
    /** Every template, by slug. */
    async list(): Promise<Template[]> {
      const rows = await db.select().from(templates).orderBy(asc(templates.slug));
      return rows.map(toTemplate);
    },

    /** One template by slug. */
    get: findBySlug,

    /** One template by id, or null (for other modules through createCore). */
    getById: (id: string) => getTemplateById(db, id),

    /** Creates a template once both its title and body parse; the slug is unique. */
    async create(input: CreateTemplateInput): Promise<Template> {
      assertValidTemplate(input);
      const now = clock();
      try {
        const [row] = await db
          .insert(templates)
          .values({
            slug: input.slug,
            type: input.type,
            titleTemplate: input.title_template,
            bodyTemplate: input.body_template,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        if (!row) throw new Error('insert returned no row');
        return toTemplate(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw TemplateErrors.slugTaken();
        throw error;
      }
    },

    /** Renders the template with the given values, sample values for the rest. */
    async preview(input: PreviewTemplateInput): Promise<RenderedTemplate> {
      const values = previewValues(input);
      return renderEventTemplate(await findBySlug(input.slug), values);
    },

    /** Deletes a template; events made from it keep their text (their template_id becomes null). */
    async delete(id: string): Promise<void> {
      const deleted = await db.delete(templates).where(eq(templates.id, id)).returning({ id: templates.id });
      if (deleted.length === 0) throw TemplateErrors.notFound();
    },
  };
}
export type TemplateUseCases = ReturnType<typeof createTemplateUseCases>;
