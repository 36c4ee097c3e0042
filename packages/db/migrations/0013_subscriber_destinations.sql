DROP INDEX "subscribers_email_key";--> statement-breakpoint
CREATE UNIQUE INDEX "notification_channels_subscriber_target_key" ON "notification_channels" USING btree ("type","target") WHERE "notification_channels"."subscriber_id" is not null;--> statement-breakpoint
CREATE INDEX "subscribers_email_idx" ON "subscribers" USING btree ("email");