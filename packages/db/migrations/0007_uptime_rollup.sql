CREATE TABLE "service_status_day_zones" (
	"time_zone" text PRIMARY KEY NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_status_days" (
	"time_zone" text NOT NULL,
	"service_id" uuid NOT NULL,
	"month" date NOT NULL,
	"seconds" integer[] NOT NULL,
	CONSTRAINT "service_status_days_time_zone_month_service_id_pk" PRIMARY KEY("time_zone","month","service_id")
);
--> statement-breakpoint
ALTER TABLE "service_status_log" ADD COLUMN "effective_status" "service_status";--> statement-breakpoint
-- Backfill (edited by hand): entries written before this version recorded the status they set; it is
-- the best record of what visitors saw. service_status_days is built from the log on its first read.
UPDATE "service_status_log" SET "effective_status" = "new_status";--> statement-breakpoint
ALTER TABLE "service_status_log" ALTER COLUMN "effective_status" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "service_status_days" ADD CONSTRAINT "service_status_days_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_status_log_event_idx" ON "service_status_log" USING btree ("event_id");