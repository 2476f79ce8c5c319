-- +goose Up
-- placeholder replaced by the initial schema
SELECT 1;
-- +goose Down
SELECT 1;
