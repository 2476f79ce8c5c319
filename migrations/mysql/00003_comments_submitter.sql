-- Version 3 indexes comments by submitter on SQLite and PostgreSQL (people
-- lists ask, per person, whether a comment of theirs exists). InnoDB
-- already has that index: it made one for the foreign key.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
