import { z } from 'zod';
import { envelope, Slug, Timestamp, Uuid } from './common';
import { EventType } from './enums';

/** The macros a template may use (core's templates/macros.ts renders them). */
export const templateMacros = [
  'ServiceName',
  'ServiceGroupName',
  'StartedAt',
  'ResolvedAt',
  'ScheduledStart',
  'ScheduledEnd',
] as const;
export type TemplateMacro = (typeof templateMacros)[number];

export const Template = z.object({
  id: Uuid,
  slug: z.string(),
  type: EventType,
  title_template: z.string(),
  body_template: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Template = z.infer<typeof Template>;
export const TemplateResponse = envelope(Template);
export const TemplatesResponse = envelope(z.array(Template));

export const CreateTemplateInput = z.strictObject({
  slug: Slug,
  type: EventType,
  title_template: z.string().min(1).max(500),
  body_template: z.string().max(20_000),
});
export type CreateTemplateInput = z.infer<typeof CreateTemplateInput>;

export const TemplateSlugQuery = z.object({ slug: z.string().min(1).max(255) });
export const TemplateIdInput = z.strictObject({ id: Uuid });

export const PreviewTemplateInput = z.strictObject({
  slug: z.string().min(1).max(255),
  service_name: z.string().max(255).optional(),
  service_group_name: z.string().max(255).optional(),
  started_at: Timestamp.optional(),
  resolved_at: Timestamp.optional(),
  scheduled_start: Timestamp.optional(),
  scheduled_end: Timestamp.optional(),
});
export type PreviewTemplateInput = z.infer<typeof PreviewTemplateInput>;
export const PreviewTemplateResponse = envelope(z.object({ title: z.string(), body: z.string() }));
