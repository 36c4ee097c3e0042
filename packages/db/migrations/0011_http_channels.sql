ALTER TYPE "public"."channel_type" ADD VALUE 'webhook';--> statement-breakpoint
ALTER TYPE "public"."channel_type" ADD VALUE 'slack';--> statement-breakpoint
ALTER TYPE "public"."channel_type" ADD VALUE 'discord';--> statement-breakpoint
ALTER TYPE "public"."channel_type" ADD VALUE 'teams';--> statement-breakpoint
ALTER TABLE "notification_channels" ADD COLUMN "signing_secret" text;--> statement-breakpoint
ALTER TABLE "notification_channels" ADD COLUMN "consecutive_failures" integer DEFAULT 0 NOT NULL;