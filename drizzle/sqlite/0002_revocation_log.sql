CREATE TABLE `access_token_revocation` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`subject` text NOT NULL
);
