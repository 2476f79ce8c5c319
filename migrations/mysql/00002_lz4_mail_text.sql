-- Version 2 changes how PostgreSQL compresses mail text (lz4); nothing
-- here needs it. The file keeps the version numbers equal across dialects.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
