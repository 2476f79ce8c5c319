-- A cover comment imported from upstream Patchwork keeps the id upstream
-- gave it (alias_id): upstream numbered patch comments and cover comments
-- in two tables, each from 1, where ours share one id space. Patch
-- comments keep their ids as ids; cover comments get ids past them and
-- answer to their old number under their cover (REST) and at /comment/N/
-- where no patch comment N exists. NULL for every comment made here.

-- +goose Up
ALTER TABLE comments ADD COLUMN alias_id INTEGER;
CREATE INDEX comments_alias ON comments (alias_id);

-- +goose Down
DROP INDEX comments_alias;
ALTER TABLE comments DROP COLUMN alias_id;
