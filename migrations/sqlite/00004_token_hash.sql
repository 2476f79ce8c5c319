-- Version 4 keeps REST tokens as their SHA-256 (hex) instead of in clear,
-- so that a copy of the database gives no working token. Existing tokens
-- keep working: they are hashed in place. patchwork_sha256 is a function
-- sqlstore registers with the driver (SQLite has no SHA-256 of its own).

-- +goose Up
ALTER TABLE tokens RENAME COLUMN token TO token_hash;
UPDATE tokens SET token_hash = patchwork_sha256(token_hash);

-- +goose Down
-- A hash cannot be turned back into its token: going down drops them.
DELETE FROM tokens;
ALTER TABLE tokens RENAME COLUMN token_hash TO token;
