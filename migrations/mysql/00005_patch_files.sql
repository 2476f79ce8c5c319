-- Version 5: the paths each patch's diff touches, one row per path, for
-- the file: filter (a glob matched against each path on its own). The
-- rows of the patches stored before it are filled by the store when it
-- migrates (sqlstore.backfillPatchFiles): the paths come from parsing the
-- diffs, which SQL cannot do. patch_files_backfill holds the backfill's
-- progress: its one row, the next patch id to fill, is deleted when the
-- backfill has finished, so an interrupted backfill resumes on the next
-- Migrate. One DDL statement per block: MySQL commits
-- each on its own.

-- +goose Up
CREATE TABLE patch_files (
    patch_id BIGINT NOT NULL,
    path     VARCHAR(4096) NOT NULL,
    FOREIGN KEY (patch_id) REFERENCES patches (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- +goose StatementBegin
CREATE INDEX patch_files_path ON patch_files (path(255));
-- +goose StatementEnd
CREATE TABLE patch_files_backfill (
    next_id BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO patch_files_backfill (next_id) VALUES (0);

-- +goose Down
DROP TABLE patch_files_backfill;
DROP TABLE patch_files;
