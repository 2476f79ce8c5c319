package rest_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestLeakedTokensTable: everything the tokens table holds, sent as a
// token over real HTTP, is refused, while the tokens themselves work.
func TestLeakedTokensTable(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		db := s.(interface{ DB() *sql.DB }).DB()
		rows, err := db.QueryContext(context.Background(), "SELECT token_hash FROM tokens")
		if err != nil {
			t.Fatal(err)
		}
		var leaked []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			leaked = append(leaked, v)
		}
		rows.Close()
		if len(leaked) < 4 {
			t.Fatalf("%d tokens stored, want the fixture's 4", len(leaked))
		}
		for _, v := range leaked {
			e.expect(e.get("/api/1.3/people/", tokenAuth(v)), 403, `{"detail": "Invalid token."}`)
		}
		e.expect(e.get("/api/1.3/people/", tokenAuth(e.f.tokMaint)), 200, "")
	})
}
