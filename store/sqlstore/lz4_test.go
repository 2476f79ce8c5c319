package sqlstore_test

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestMailTextLZ4: on a PostgreSQL server that has lz4, migration 2 makes
// the mail text columns use it.
func TestMailTextLZ4(t *testing.T) {
	s := sqltest.Open(t, "postgres")
	ctx := context.Background()
	if _, err := s.DB().ExecContext(ctx, "SET default_toast_compression = lz4"); err != nil {
		t.Skipf("this PostgreSQL server has no lz4: %v", err)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relname IN ('patches', 'covers', 'comments') AND a.attname IN ('headers', 'content', 'diff')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var rel, col, comp string
		if err := rows.Scan(&rel, &col, &comp); err != nil {
			t.Fatal(err)
		}
		if comp != "l" {
			t.Errorf("%s.%s compression %q, want lz4 (l)", rel, col, comp)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("%d mail text columns, want 7", n)
	}
}
