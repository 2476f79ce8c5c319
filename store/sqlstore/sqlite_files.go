package sqlstore

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"modernc.org/sqlite"

	"github.com/patchwork-go/patchwork/store"
)

// SQLite has no SHA-256 of its own; migration 4 hashes the stored REST
// tokens with this one. Registered once with the driver, for every
// connection it opens.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("patchwork_sha256", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return store.HashToken(v), nil
		case []byte:
			return store.HashToken(string(v)), nil
		case nil:
			return nil, nil
		}
		return nil, fmt.Errorf("patchwork_sha256: unexpected %T", args[0])
	})
}

// createPrivate creates the SQLite file at path, if missing, readable by
// its owner only (SQLite would create it 0644 under the usual umask): it
// holds password hashes and registration tokens. SQLite gives the -wal and
// -shm files the database file's mode, so they are private too. An
// existing file keeps its mode: an operator may have shared it with a
// group on purpose (parsemail run as the mail server's user).
func createPrivate(path string) error {
	if path == "" { // in memory
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, fs.ErrExist):
		return nil
	}
	return fmt.Errorf("create sqlite database %s: %w", path, err)
}
