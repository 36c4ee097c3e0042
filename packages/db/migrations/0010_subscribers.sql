CREATE TYPE "public"."subscriber_state" AS ENUM('pending', 'confirmed');--> statement-breakpoint
CREATE TABLE "channel_group_subscriptions" (
	"channel_id" uuid NOT NULL,
	"group_id" uuid NOT NULL,
	CONSTRAINT "channel_group_subscriptions_channel_id_group_id_pk" PRIMARY KEY("channel_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "subscribers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"state" "subscriber_state" DEFAULT 'pending' NOT NULL,
	"confirm_token_hash" text,
	"confirm_expires_at" timestamp with time zone,
	"last_mail_at" timestamp with time zone,
	"token_version" integer DEFAULT 1 NOT NULL,
	"ip_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_channels" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_channels" ADD COLUMN "subscriber_id" uuid;--> statement-breakpoint
ALTER TABLE "channel_group_subscriptions" ADD CONSTRAINT "channel_group_subscriptions_channel_id_notification_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."notification_channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_group_subscriptions" ADD CONSTRAINT "channel_group_subscriptions_group_id_service_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."service_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channel_group_subscriptions_group_idx" ON "channel_group_subscriptions" USING btree ("group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_email_key" ON "subscribers" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_confirm_token_key" ON "subscribers" USING btree ("confirm_token_hash");--> statement-breakpoint
CREATE INDEX "subscribers_pending_idx" ON "subscribers" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "subscribers_ip_idx" ON "subscribers" USING btree ("ip_hash","state");--> statement-breakpoint
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_subscriber_id_subscribers_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."subscribers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_channels_subscriber_key" ON "notification_channels" USING btree ("subscriber_id");--> statement-breakpoint
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_one_owner" CHECK (("notification_channels"."user_id" is null) <> ("notification_channels"."subscriber_id" is null));