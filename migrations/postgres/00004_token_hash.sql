-- Version 4 keeps REST tokens as their SHA-256 (hex) instead of in clear,
-- so that a copy of the database gives no working token. Existing tokens
-- keep working: they are hashed in place (sha256() is built in since
-- PostgreSQL 11).

-- +goose Up
ALTER TABLE tokens RENAME COLUMN token TO token_hash;
UPDATE tokens SET token_hash = encode(sha256(convert_to(token_hash, 'UTF8')), 'hex');

-- +goose Down
-- A hash cannot be turned back into its token: going down drops them.
DELETE FROM tokens;
ALTER TABLE tokens RENAME COLUMN token_hash TO token;
