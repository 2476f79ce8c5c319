-- Version 9 tells a check's empty target URL or description given as ""
-- from one never given (null). Upstream keeps the difference: XML-RPC's
-- check_create stores "" for what it leaves out, REST's POST without the
-- field stores null, and REST reads each back as it was stored. Existing
-- rows had no way to say "", so a non-empty value is the only one given.
--
-- It also detaches cover-created events from their series, as upstream
-- records them (no series), so that /api/events/?series=N leaves them out.
-- Down cannot tell which series they had and leaves them detached.

-- +goose Up
ALTER TABLE checks ADD COLUMN target_url_given BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE checks ADD COLUMN description_given BOOLEAN NOT NULL DEFAULT 0;
UPDATE checks SET target_url_given = 1 WHERE target_url <> '';
UPDATE checks SET description_given = 1 WHERE description <> '';
UPDATE events SET series_id = NULL WHERE category = 'cover-created';

-- +goose Down
ALTER TABLE checks DROP COLUMN description_given;
ALTER TABLE checks DROP COLUMN target_url_given;
