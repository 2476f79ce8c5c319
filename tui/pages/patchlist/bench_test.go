package patchlist_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/pages/patchlist"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// benchPatches is the project size of BenchmarkPatchListPage.
const benchPatches = 100_000

// seedBig fills a project with n patches in one transaction (a few
// seconds on SQLite), with a state mix so the default query filters.
func seedBig(b *testing.B, s store.Store, n int) *store.Project {
	ctx := context.Background()
	pr := &store.Project{LinkName: "big", Name: "Big", ListID: "big.example.org"}
	if err := s.CreateProject(ctx, pr); err != nil {
		b.Fatal(err)
	}
	states, err := s.ListStates(ctx)
	if err != nil {
		b.Fatal(err)
	}
	who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	err = s.InTx(ctx, func(tx store.Store) error {
		for i := range n {
			p := &store.Patch{ProjectID: pr.ID, MsgID: fmt.Sprintf("<%d@big>", i), Name: fmt.Sprintf("[PATCH] change number %d", i),
				Date: start.Add(time.Duration(i) * time.Minute), SubmitterID: who.ID, StateID: states[i%len(states)].ID,
				Diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}
			if err := tx.CreatePatch(ctx, p, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return pr
}

// drive runs cmd and every command its messages lead to, synchronously,
// feeding the page; messages for the root (status, navigation) end there.
func drive(l *patchlist.List, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case common.ErrorMsg:
			panic(msg.Err)
		case common.StatusMsg, nil:
		default:
			queue = append(queue, l.Update(msg))
		}
	}
}

// BenchmarkPatchListPage: opening a 100k-patch project (first frame) and
// paging down through it (key press to frame, including the keyset loads
// the page-down triggers).
func BenchmarkPatchListPage(b *testing.B) {
	s := sqltest.SQLite(b)
	t0 := time.Now()
	pr := seedBig(b, s, benchPatches)
	b.Logf("seeded %d patches in %s", benchPatches, time.Since(t0).Round(time.Millisecond))
	dark := true
	c := &common.Common{
		Ctx: context.Background(), Width: 120, Height: 40, Styles: styles.New(dark), Keys: keymap.Default(),
		Store: s, Now: time.Now, Logger: slog.New(slog.DiscardHandler),
	}
	opts := patchlist.Options{
		Title: "big", Project: pr, Query: "is:action-required -is:archived",
		Base: []store.Cond{{Field: store.FieldProject, Ints: []int64{pr.ID}}},
	}
	open := func() *patchlist.List {
		l := patchlist.New(c, opts)
		drive(l, l.Init())
		return l
	}

	b.Run("first-render", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			t := time.Now()
			l := open()
			v := l.View()
			ds = append(ds, time.Since(t))
			if !strings.Contains(v, "change number") {
				b.Fatalf("no rows:\n%s", v)
			}
		}
		report(b, ds)
	})

	b.Run("page-down", func(b *testing.B) {
		l := open()
		pgdn := tea.KeyPressMsg{Code: tea.KeyPgDown}
		top := tea.KeyPressMsg{Code: 'g', Text: "g"}
		last := ""
		var ds []time.Duration
		for b.Loop() {
			t := time.Now()
			drive(l, l.Update(pgdn))
			v := l.View()
			ds = append(ds, time.Since(t))
			if v == last {
				// The end of the list: start again from the top.
				drive(l, l.Update(top))
				v = l.View()
			}
			last = v
		}
		report(b, ds)
	})
}

// report adds the median and 99th percentile of the per-operation times:
// what a user feels is the slow frame, not the mean.
func report(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}
