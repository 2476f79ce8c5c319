-- Version 5: the paths each patch's diff touches, one row per path, for
-- the file: filter (a glob matched against each path on its own). The
-- rows of the patches stored before it are filled by the store when it
-- migrates (sqlstore.backfillPatchFiles): the paths come from parsing the
-- diffs, which SQL cannot do. One DDL statement per block: MySQL commits
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

-- +goose Down
DROP TABLE patch_files;
