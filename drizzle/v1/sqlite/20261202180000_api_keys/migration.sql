ALTER TABLE `access_token` ADD `kind` text;--> statement-breakpoint
ALTER TABLE `access_token` ADD `name` text;--> statement-breakpoint
ALTER TABLE `access_token` ADD `scopes` text;--> statement-breakpoint
ALTER TABLE `access_token` ADD `expires_at` integer;--> statement-breakpoint
CREATE INDEX `access_token_expires_at_idx` ON `access_token` (`expires_at`);