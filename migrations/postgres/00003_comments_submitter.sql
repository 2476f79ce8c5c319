-- Version 3 indexes comments by submitter: people lists show only the
-- people who sent something (or are linked to a user), which asks, per
-- person, whether a comment of theirs exists.

-- +goose Up
CREATE INDEX comments_submitter ON comments (submitter_id);

-- +goose Down
DROP INDEX comments_submitter;
