CREATE TYPE "public"."integration_kind" AS ENUM('alertmanager', 'grafana', 'generic');--> statement-breakpoint
CREATE TABLE "integration_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"group_key" text DEFAULT '' NOT NULL,
	"firing" boolean NOT NULL,
	"service_id" uuid,
	"status" "service_status",
	"ignored" text,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "integration_incidents" (
	"integration_id" uuid NOT NULL,
	"group_key" text NOT NULL,
	"event_id" uuid NOT NULL,
	"services" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" "integration_kind" NOT NULL,
	"secret_hash" text NOT NULL,
	"secret_prefix" text NOT NULL,
	"service_label" text DEFAULT 'statuspage_service' NOT NULL,
	"service_map" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"severity_map" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"default_status" "service_status" DEFAULT 'partial_outage' NOT NULL,
	"open_incidents" boolean DEFAULT false NOT NULL,
	"template_id" uuid,
	"notify_subscribers" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "service_status_log" ADD COLUMN "integration_id" uuid;--> statement-breakpoint
ALTER TABLE "integration_alerts" ADD CONSTRAINT "integration_alerts_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_alerts" ADD CONSTRAINT "integration_alerts_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_incidents" ADD CONSTRAINT "integration_incidents_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_incidents" ADD CONSTRAINT "integration_incidents_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "integration_alerts_identity_idx" ON "integration_alerts" USING btree ("integration_id","fingerprint","starts_at");--> statement-breakpoint
CREATE INDEX "integration_alerts_firing_service_idx" ON "integration_alerts" USING btree ("service_id") WHERE "integration_alerts"."firing";--> statement-breakpoint
CREATE INDEX "integration_alerts_group_idx" ON "integration_alerts" USING btree ("integration_id","group_key");--> statement-breakpoint
CREATE UNIQUE INDEX "integration_incidents_group_idx" ON "integration_incidents" USING btree ("integration_id","group_key");--> statement-breakpoint
ALTER TABLE "service_status_log" ADD CONSTRAINT "service_status_log_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE set null ON UPDATE no action;