-- Version 6: the addresses, besides the project's maintainers, whose
-- X-Patchwork-State and X-Patchwork-Delegate headers the project honours
-- (space-separated; '' = maintainers only).

-- +goose Up
ALTER TABLE projects ADD COLUMN hint_senders VARCHAR(2000) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE projects DROP COLUMN hint_senders;
