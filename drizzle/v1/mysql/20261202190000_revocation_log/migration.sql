CREATE TABLE `access_token_revocation` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`subject` text NOT NULL,
	CONSTRAINT `access_token_revocation_id` PRIMARY KEY(`id`)
) DEFAULT CHARSET=utf8mb4;
