ALTER TABLE `access_token` ADD `kind` varchar(16);--> statement-breakpoint
ALTER TABLE `access_token` ADD `name` varchar(100);--> statement-breakpoint
ALTER TABLE `access_token` ADD `scopes` text;--> statement-breakpoint
ALTER TABLE `access_token` ADD `expires_at` datetime(3);--> statement-breakpoint
CREATE INDEX `access_token_expires_at_idx` ON `access_token` (`expires_at`);