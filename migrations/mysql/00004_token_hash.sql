-- Version 4 keeps REST tokens as their SHA-256 (hex) instead of in clear,
-- so that a copy of the database gives no working token. Existing tokens
-- keep working: they are hashed in place (SHA2 gives lower-case hex).

-- +goose Up
ALTER TABLE tokens CHANGE token token_hash VARCHAR(255) NOT NULL;
UPDATE tokens SET token_hash = SHA2(token_hash, 256);

-- +goose Down
-- A hash cannot be turned back into its token: going down drops them.
DELETE FROM tokens;
ALTER TABLE tokens CHANGE token_hash token VARCHAR(255) NOT NULL;
