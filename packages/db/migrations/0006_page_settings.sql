CREATE TABLE "page_settings" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"logo_url" text,
	"favicon_url" text,
	"site_url" text,
	"support_url" text,
	"time_zone" text NOT NULL,
	"language" text NOT NULL,
	"footer_text" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "page_settings_one_row" CHECK ("page_settings"."id" = 1)
);
