CREATE TABLE "verification_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"user_id" uuid NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "verification_sends_target_idx" ON "verification_sends" USING btree ("target","sent_at");--> statement-breakpoint
CREATE INDEX "verification_sends_user_idx" ON "verification_sends" USING btree ("user_id","sent_at");