package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// TestParsemailWaitsForConnection: when the server has no connection to
// spare (here a PostgreSQL role limited to one, which the test holds),
// parsemail waits for one instead of exiting 75 at once, and stores the
// mail when the connection is released.
func TestParsemailWaitsForConnection(t *testing.T) {
	ctx := context.Background()
	db, _ := mailDB(t, "postgres")
	admin := openDB(t, db).DB()
	role := fmt.Sprintf("pw_conns_%d", time.Now().UnixNano())
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 1",
		"GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role,
		"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(ctx, "REASSIGN OWNED BY "+role+" TO CURRENT_USER")
		_, _ = admin.ExecContext(ctx, "DROP OWNED BY "+role)
		_, _ = admin.ExecContext(ctx, "DROP ROLE "+role)
	})
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	limited := u.String()

	// The test takes the role's only connection.
	held, err := sqlstore.Open(ctx, limited, nil)
	if err != nil {
		t.Fatalf("open as %s: %v", role, err)
	}
	conn, err := held.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if extra, err := sqlstore.Open(ctx, limited, nil); err == nil || !sqlstore.IsTooManyConnections(err) {
		if extra != nil {
			extra.Close()
		}
		t.Fatalf("a second connection as %s: %v, want PostgreSQL's too many connections", role, err)
	}

	mail := corpusFile(t, "mail/0013-with-utf8-body.mbox")
	done := make(chan result, 1)
	start := time.Now()
	go func() { done <- pw(t, limited, nil, mail, "parsemail", "--list-id", "test.example.com") }()
	time.Sleep(time.Second)
	select {
	case r := <-done:
		t.Fatalf("parsemail ended while no connection was free: exit %d\n%s", r.code, r.stderr)
	default:
	}
	closeHeld(t, conn, held)
	r := <-done
	if r.code != 0 {
		t.Fatalf("parsemail after the connection was freed: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("parsemail waited %v for a connection", time.Since(start).Round(10*time.Millisecond))
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM patches").Scan(&n); err != nil || n != 1 {
		t.Fatalf("patches stored: %d (%v), want 1", n, err)
	}
	if strings.Contains(r.stderr, "too many") {
		t.Errorf("stderr mentions the wait: %s", r.stderr)
	}
}

func closeHeld(t *testing.T, conn *sql.Conn, s *sqlstore.Store) {
	t.Helper()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
