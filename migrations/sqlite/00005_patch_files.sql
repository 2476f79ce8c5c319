-- Version 5: the paths each patch's diff touches, one row per path, for
-- the file: filter (a glob matched against each path on its own). The
-- rows of the patches stored before it are filled by the store when it
-- migrates (sqlstore.backfillPatchFiles): the paths come from parsing the
-- diffs, which SQL cannot do.

-- +goose Up
CREATE TABLE patch_files (
    patch_id INTEGER NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    path     TEXT NOT NULL
);
CREATE INDEX patch_files_patch ON patch_files (patch_id);
CREATE INDEX patch_files_path ON patch_files (path);

-- +goose Down
DROP TABLE patch_files;
