package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// A share's pool is its own: a front end that holds every one of its
// connections leaves the main pool free, it reads and writes the same
// database, and closing it leaves the main store working.
func TestShare(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := st.(*sqlstore.Store)
		sh, err := s.Share("tui", 2)
		if err != nil {
			t.Fatal(err)
		}
		pool := s.Pools()["patchwork-tui"]
		if pool == nil || pool.Stats().MaxOpenConnections != 2 {
			t.Fatalf("main store's pools %v: want patchwork-tui capped at 2", s.Pools())
		}
		if got := sh.Pools(); len(got) != 1 || got["patchwork-tui"] != pool {
			t.Fatalf("share's pools %v: want its own only", got)
		}
		if _, err := s.Share("tui", 2); err == nil {
			t.Fatal("a second share named tui: want an error")
		}
		if _, err := sh.Share("x", 1); err == nil {
			t.Fatal("a share of a share: want an error")
		}

		// Writes through either show through the other.
		a := &store.Project{LinkName: "via-share", Name: "via share", ListID: "share.example.org", ListEmail: "s@example.org"}
		if err := sh.InTx(ctx, func(tx store.Store) error { return tx.CreateProject(ctx, a) }); err != nil {
			t.Fatalf("create through the share: %v", err)
		}
		if p, err := s.GetProjectByLinkName(ctx, "via-share"); err != nil || p.ID != a.ID {
			t.Fatalf("main store reads %+v, %v: want project %d", p, err, a.ID)
		}
		b := &store.Project{LinkName: "via-main", Name: "via main", ListID: "main.example.org", ListEmail: "m@example.org"}
		if err := s.CreateProject(ctx, b); err != nil {
			t.Fatal(err)
		}
		if p, err := sh.GetProjectByLinkName(ctx, "via-main"); err != nil || p.ID != b.ID {
			t.Fatalf("share reads %+v, %v: want project %d", p, err, b.ID)
		}

		// Every connection of the share taken: the share waits, the main
		// store does not.
		var held []*sql.Conn
		for range 2 {
			c, err := sh.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = sh.GetProject(wctx, a.ID)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("share with both connections held: got %v, want it to wait until the deadline", err)
		}
		mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := s.GetProject(mctx, a.ID); err != nil {
			t.Fatalf("main store while the share is full: %v", err)
		}
		cancel()
		for _, c := range held {
			_ = c.Close()
		}

		if err := sh.Close(); err != nil {
			t.Fatalf("close the share: %v", err)
		}
		if _, ok := s.Pools()["patchwork-tui"]; ok {
			t.Fatal("closed share still in the main store's pools")
		}
		if _, err := s.GetProject(ctx, b.ID); err != nil {
			t.Fatalf("main store after the share closed: %v", err)
		}
	})
}
