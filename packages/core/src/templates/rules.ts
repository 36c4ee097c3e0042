// The pure rules of the templates module: which templates are valid, how one renders, the preview's values.
// The macro engine itself is `macros.ts`.
import type { PreviewTemplateInput, Template } from '@statuspage/contracts';
import { TemplateErrors } from './errors';
import { checkTemplate, renderTemplate, type TemplateValues } from './macros';

/** A rendered template: the event's title and body. */
export interface RenderedTemplate {
  title: string;
  body: string;
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

function timestampValue(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  // The contract schema already checks RFC 3339; this guards callers that skip it.
  if (Number.isNaN(date.getTime())) throw TemplateErrors.invalidValue(field, 'must be an RFC 3339 date-time');
  return date;
}

/** The values of a preview request; what it leaves out comes from the samples. */
export function previewValues(input: PreviewTemplateInput): Required<TemplateValues> {
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
