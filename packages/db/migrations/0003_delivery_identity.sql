CREATE TABLE "installation" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "installation_singleton" CHECK ("installation"."singleton")
);
--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD COLUMN "uid" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "uid" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "processed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_unprocessed_idx" ON "outbox" USING btree ("dispatched_at") WHERE "outbox"."dispatched_at" is not null and "outbox"."processed_at" is null;--> statement-breakpoint
-- This database's identity, created once with the schema.
INSERT INTO "installation" DEFAULT VALUES;--> statement-breakpoint
-- Rows relayed before processed_at existed: their work is taken as done.
UPDATE "outbox" SET "processed_at" = "dispatched_at" WHERE "dispatched_at" IS NOT NULL;
