package serieslist_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/pages/serieslist"
	"github.com/patchwork-go/patchwork/tui/styles"
)

func drive(p *serieslist.Page, cmd tea.Cmd) {
	for cmd != nil {
		msg := cmd()
		if e, ok := msg.(common.ErrorMsg); ok {
			panic(e.Err)
		}
		cmd = p.Update(msg)
	}
}

// TestWindowWalk walks the series list one row at a time down from the
// newest and, after G, up from the oldest: every series once, in order,
// though the window holds a fraction of them.
func TestWindowWalk(t *testing.T) {
	t.Parallel()
	const n = 95
	p, all := seriesListOf(t, n, 2)
	want := make([]int64, n)
	for i, x := range all {
		want[i] = x.ID
	}

	press := func(r rune) int64 {
		drive(p, p.Update(tea.KeyPressMsg{Code: r, Text: string(r)}))
		x, ok := p.Current()
		if !ok {
			t.Fatal("no current series")
		}
		return x.ID
	}
	first, _ := p.Current()
	got := []int64{first.ID}
	for range n - 1 {
		got = append(got, press('j'))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("down:\n got %v\nwant %v", got, want)
	}
	got = []int64{press('G')}
	for range n - 1 {
		got = append(got, press('k'))
	}
	slices.Reverse(got)
	if !slices.Equal(got, want) {
		t.Fatalf("up from G:\n got %v\nwant %v", got, want)
	}
}

// TestKeysDuringReload: moves made while a reload is in flight are kept.
func TestKeysDuringReload(t *testing.T) {
	t.Parallel()
	p, all := seriesListOf(t, 40, 1)
	j := tea.KeyPressMsg{Code: 'j', Text: "j"}
	drive(p, p.Update(j))
	reload := p.Reload()
	for range 2 {
		p.Update(j) // while the reload is in flight; no load starts
	}
	drive(p, reload)
	if x, ok := p.Current(); !ok || x.ID != all[3].ID {
		t.Fatalf("cursor on %q, want %q", x.Name, all[3].Name)
	}
}

// seriesListOf is a loaded series list of a project of n series, perDate of
// them sharing each date, and the series newest first.
func seriesListOf(t *testing.T, n, perDate int) (*serieslist.Page, []store.Series) {
	t.Helper()
	ctx := context.Background()
	s := sqltest.SQLite(t)
	pr := &store.Project{LinkName: "p", Name: "P", ListID: "p.example.org"}
	if err := s.CreateProject(ctx, pr); err != nil {
		t.Fatal(err)
	}
	who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		x := &store.Series{ProjectID: pr.ID, Name: fmt.Sprintf("series %d", i), Date: start.Add(time.Duration(i/perDate) * time.Hour),
			SubmitterID: who.ID, Total: 1}
		if err := s.CreateSeries(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: pr.ID, Order: "-date"})
	if err != nil || len(all) != n {
		t.Fatalf("%d series, %v", len(all), err)
	}
	c := &common.Common{Ctx: ctx, Width: 100, Height: 12, Styles: styles.New(false), Keys: keymap.Default(),
		Store: s, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	p := serieslist.New(c, *pr)
	drive(p, p.Init())
	return p, all
}
