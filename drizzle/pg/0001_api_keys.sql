ALTER TABLE "access_token" ADD COLUMN "kind" varchar(16);--> statement-breakpoint
ALTER TABLE "access_token" ADD COLUMN "name" varchar(100);--> statement-breakpoint
ALTER TABLE "access_token" ADD COLUMN "scopes" text;--> statement-breakpoint
ALTER TABLE "access_token" ADD COLUMN "expires_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "access_token_expires_at_idx" ON "access_token" USING btree ("expires_at");