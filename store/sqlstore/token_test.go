package sqlstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestTokensStoredHashed: on every dialect, a token stored before
// migration 4 keeps working after it, and afterwards the database holds
// no token in clear: whoever copies the tokens table has nothing that
// authenticates.
func TestTokensStoredHashed(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			var url string
			if d == "sqlite" {
				url = "sqlite:" + filepath.Join(t.TempDir(), "tokens.db")
			} else {
				url = sqltest.URL(t, d)
			}
			s, err := sqlstore.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The pooled database is handed back migrated, whatever happens.
			defer func() {
				if err := s.Migrate(ctx); err != nil {
					t.Errorf("migrate back up: %v", err)
				}
			}()
			if err := s.MigrateDown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.MigrateUpTo(ctx, 3); err != nil {
				t.Fatal(err)
			}
			// Version 3's schema: the token in clear.
			const old = "0123456789abcdef0123456789abcdef01234567"
			db := s.DB()
			p1, p2 := "?", "?"
			if d == "postgres" {
				p1, p2 = "$1", "$2"
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO users (username, email, date_joined) VALUES ('olduser', 'old@example.org', "+p1+")", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO tokens (user_id, token, created) SELECT id, "+p1+", "+p2+" FROM users WHERE username = 'olduser'", old, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u, err := s.UserByToken(ctx, old)
			if err != nil || u.Username != "olduser" {
				t.Fatalf("a token made before migration 4: %v, %v", u, err)
			}

			fresh, err := store.IssueToken(ctx, s, u.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UserByToken(ctx, old); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the regenerated token's predecessor still works: %v", err)
			}
			if _, err := store.IssueToken(ctx, s, u.ID, false); !errors.Is(err, store.ErrTokenExists) {
				t.Errorf("IssueToken without regenerate over an existing token: %v", err)
			}
			// The leak: everything the table holds.
			rows, err := db.QueryContext(ctx, "SELECT token_hash FROM tokens")
			if err != nil {
				t.Fatal(err)
			}
			var stored []string
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				stored = append(stored, v)
			}
			rows.Close()
			if len(stored) != 1 || stored[0] != store.HashToken(fresh) {
				t.Fatalf("tokens table holds %q, want the hash of the new token", stored)
			}
			for _, v := range stored {
				if strings.Contains(v, fresh) {
					t.Errorf("token in clear in the database")
				}
				if _, err := s.UserByToken(ctx, v); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the stored value works as a token: %v", err)
				}
			}
		})
	}
}

// TestSQLiteFilesPrivate: a new SQLite database and its -wal and -shm
// files are readable by their owner only, whatever the umask.
func TestSQLiteFilesPrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "private.db")
	s, err := sqlstore.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s is mode %o, want no group or other access", filepath.Base(f), m)
		}
	}
}
