CREATE TABLE `access_token` (
	`token` varchar(64) character set ascii collate ascii_bin NOT NULL,
	`user_id` char(36) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`last_used_at` datetime(3),
	`user_agent` varchar(512),
	`ip` varchar(64),
	CONSTRAINT `access_token_token` PRIMARY KEY(`token`)
) DEFAULT CHARSET=utf8mb4;
--> statement-breakpoint
CREATE TABLE `user` (
	`id` char(36) NOT NULL,
	`email` varchar(320) NOT NULL,
	`hashed_password` varchar(255) NOT NULL,
	`is_active` boolean NOT NULL DEFAULT true,
	`is_superuser` boolean NOT NULL DEFAULT false,
	`is_verified` boolean NOT NULL DEFAULT false,
	CONSTRAINT `user_id` PRIMARY KEY(`id`),
	CONSTRAINT `user_email_unique` UNIQUE(`email`)
) DEFAULT CHARSET=utf8mb4;
--> statement-breakpoint
ALTER TABLE `access_token` ADD CONSTRAINT `access_token_user_id_user_id_fk` FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `access_token_user_id_idx` ON `access_token` (`user_id`);--> statement-breakpoint
CREATE INDEX `access_token_created_at_idx` ON `access_token` (`created_at`);