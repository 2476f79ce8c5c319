package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// errSchemaOld says the database needs `patchworkd migrate` before this
// binary may use it.
var errSchemaOld = errors.New("database schema is older than this binary: run `patchworkd migrate`")

// openStore opens the database at url and, when migrate is set, brings its
// schema up to date first. Migration is serialised between processes (two
// serve processes starting together on one database, or serve and an
// operator's migrate: sqlstore's migration lock) so that the second waits
// and then finds nothing to do.
func openStore(ctx context.Context, url string, migrate bool, logger *slog.Logger) (store.Store, func() error, error) {
	if dbScheme(url) == "sqlite" {
		// SQLite's own message for this is "unable to open database file".
		dir := filepath.Dir(sqlitePath(url))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, nil, fmt.Errorf("directory %s of the SQLite file does not exist", dir)
		}
	}
	s, err := sqlstore.Open(ctx, url, logger)
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, nil, err
		}
	}
	return s, s.Close, nil
}

// sqlitePath is the file of a sqlite:PATH URL (the same forms sqlstore
// accepts).
func sqlitePath(url string) string {
	_, rest, _ := strings.Cut(url, ":")
	rest = strings.TrimPrefix(rest, "//")
	path, _, _ := strings.Cut(rest, "?")
	return path
}
