import { z } from 'zod';
import { envelope, Timestamp } from './common';

/** The languages the public page speaks (a message catalogue each). */
export const pageLanguages = ['en', 'ru'] as const;
export const PageLanguage = z.enum(pageLanguages);
export type PageLanguage = z.infer<typeof PageLanguage>;

/** The IANA name of a time zone the runtime knows, in its canonical spelling (`utc` → `UTC`). */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .transform((name, ctx) => {
    const canonical = canonicalTimeZone(name);
    if (canonical === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Berlin or UTC' });
      return z.NEVER;
    }
    return canonical;
  });

/** An absolute http(s) URL shown or linked on the public page. */
const WebUrl = z.url({ protocol: /^https?$/ }).max(2048);
const optionalText = (max: number) => z.string().max(max).nullable().optional();

export const PageSettings = z.object({
  name: z.string(),
  description: z.string().nullable(),
  logo_url: z.string().nullable(),
  favicon_url: z.string().nullable(),
  site_url: z.string().nullable(),
  support_url: z.string().nullable(),
  time_zone: z.string(),
  language: PageLanguage,
  footer_text: z.string().nullable(),
  /** When an admin last saved them; null while the defaults apply. */
  updated_at: Timestamp.nullable(),
});
export type PageSettings = z.infer<typeof PageSettings>;
export const PageSettingsResponse = envelope(PageSettings);

/** PUT replaces the settings: a field left out takes its default (null, `UTC`, `en`). */
export const UpdatePageSettingsInput = z.strictObject({
  name: z.string().trim().min(1).max(255),
  description: optionalText(1000),
  logo_url: WebUrl.nullable().optional(),
  favicon_url: WebUrl.nullable().optional(),
  site_url: WebUrl.nullable().optional(),
  support_url: WebUrl.nullable().optional(),
  time_zone: TimeZone.optional(),
  language: PageLanguage.optional(),
  footer_text: optionalText(2000),
});
export type UpdatePageSettingsInput = z.infer<typeof UpdatePageSettingsInput>;
