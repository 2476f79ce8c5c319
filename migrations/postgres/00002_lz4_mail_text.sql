-- Mail text (headers, content, diffs) is compressed with lz4 instead of
-- PostgreSQL's default pglz: compressing was a tenth of the server's time
-- in an archive import, and lz4 also decompresses faster for every page
-- that shows a patch. Only new values change. A server without lz4 (built
-- without it, or older than 14) keeps pglz: the migration is an
-- optimisation and must not stop a daemon from starting.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE patches ALTER COLUMN headers SET COMPRESSION lz4,
        ALTER COLUMN content SET COMPRESSION lz4, ALTER COLUMN diff SET COMPRESSION lz4;
    ALTER TABLE covers ALTER COLUMN headers SET COMPRESSION lz4, ALTER COLUMN content SET COMPRESSION lz4;
    ALTER TABLE comments ALTER COLUMN headers SET COMPRESSION lz4, ALTER COLUMN content SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'mail text stays pglz-compressed: %', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE patches ALTER COLUMN headers SET COMPRESSION DEFAULT,
        ALTER COLUMN content SET COMPRESSION DEFAULT, ALTER COLUMN diff SET COMPRESSION DEFAULT;
    ALTER TABLE covers ALTER COLUMN headers SET COMPRESSION DEFAULT, ALTER COLUMN content SET COMPRESSION DEFAULT;
    ALTER TABLE comments ALTER COLUMN headers SET COMPRESSION DEFAULT, ALTER COLUMN content SET COMPRESSION DEFAULT;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'compression left as it is: %', SQLERRM;
END
$$;
-- +goose StatementEnd
