import { sql } from 'drizzle-orm';
import { check, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The public page's settings: one row (id 1), written the first time an admin saves them. */
export const pageSettings = pgTable(
  'page_settings',
  {
    id: smallint('id').primaryKey().default(1),
    name: text('name').notNull(),
    description: text('description'),
    logoUrl: text('logo_url'),
    faviconUrl: text('favicon_url'),
    siteUrl: text('site_url'),
    supportUrl: text('support_url'),
    timeZone: text('time_zone').notNull(),
    language: text('language').notNull(),
    footerText: text('footer_text'),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [check('page_settings_one_row', sql`${t.id} = 1`)],
);
