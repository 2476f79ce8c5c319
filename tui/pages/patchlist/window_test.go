package patchlist_test

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
	"github.com/patchwork-go/patchwork/tui/pages/patchlist"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// TestWindowWalk walks a list much longer than its window, one row at a
// time and by pages, down and up, and checks that the cursor visits every
// patch exactly once in order: the keyset windows neither skip nor repeat
// rows, also where several patches share a date.
func TestWindowWalk(t *testing.T) {
	t.Parallel()
	const n = 157
	// Runs of three patches share a date: ties are broken by id.
	l, c, want := listOf(t, n, 3)
	wantIDs := make([]int64, n)
	for i, r := range want {
		wantIDs[i] = r.ID
	}

	key := func(k tea.KeyPressMsg) int64 {
		drive(l, l.Update(k))
		r, ok := l.Current()
		if !ok {
			t.Fatal("no current row")
		}
		return r.ID
	}
	down := tea.KeyPressMsg{Code: 'j', Text: "j"}
	up := tea.KeyPressMsg{Code: 'k', Text: "k"}

	first, _ := l.Current()
	got := []int64{first.ID}
	for range n - 1 {
		got = append(got, key(down))
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("walking down:\n got %v\nwant %v", got, wantIDs)
	}
	if key(down) != wantIDs[n-1] {
		t.Fatal("moved past the last row")
	}
	got = got[:0]
	for range n - 1 {
		got = append(got, key(up))
	}
	slices.Reverse(got)
	if !slices.Equal(got, wantIDs[:n-1]) {
		t.Fatalf("walking up:\n got %v\nwant %v", got, wantIDs[:n-1])
	}

	// G and g jump to the ends; page keys move by a screen.
	if id := key(tea.KeyPressMsg{Code: 'G', Text: "G"}); id != wantIDs[n-1] {
		t.Errorf("G: on %d, want %d", id, wantIDs[n-1])
	}
	if id := key(up); id != wantIDs[n-2] {
		t.Errorf("k after G: on %d, want %d", id, wantIDs[n-2])
	}
	if id := key(tea.KeyPressMsg{Code: 'g', Text: "g"}); id != wantIDs[0] {
		t.Errorf("g: on %d, want %d", id, wantIDs[0])
	}
	vis := c.Height - 2
	pos := 0
	for pos+vis < n {
		pos += vis
		if id := key(tea.KeyPressMsg{Code: tea.KeyPgDown}); id != wantIDs[pos] {
			t.Fatalf("page down to row %d: on %d, want %d", pos, id, wantIDs[pos])
		}
	}
	for pos-vis >= 0 {
		pos -= vis
		if id := key(tea.KeyPressMsg{Code: tea.KeyPgUp}); id != wantIDs[pos] {
			t.Fatalf("page up to row %d: on %d, want %d", pos, id, wantIDs[pos])
		}
	}
}

// TestKeysDuringReload: keys pressed while a reload (a live update, or the
// return from a patch) is in flight still move the cursor: the reload
// keeps the cursor's patch and then applies the moves on top, also moves
// past the rows loaded so far.
func TestKeysDuringReload(t *testing.T) {
	t.Parallel()
	l, c, want := listOf(t, 120, 1)
	down := tea.KeyPressMsg{Code: 'j', Text: "j"}
	for range 3 {
		drive(l, l.Update(down))
	}
	at := func(what string, i int) {
		t.Helper()
		r, ok := l.Current()
		if !ok || r.ID != want[i].ID {
			t.Fatalf("%s: cursor on %d (%q), want row %d (%q)", what, r.ID, r.Name, i, want[i].Name)
		}
	}
	at("before the reload", 3)

	reload := l.Reload()
	for range 2 {
		drive(l, l.Update(down)) // while the reload is in flight
	}
	drive(l, reload)
	at("two rows down during a reload", 5)

	// Far past what the window holds: the moves wait for the rows.
	reload = l.Reload()
	for range 4 {
		drive(l, l.Update(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}))
	}
	drive(l, reload)
	at("four half pages down during a reload", 5+4*((c.Height-2)/2))
}

// listOf is a loaded list of a project of n patches, perDate of them
// sharing each date, and the patches in the list's order.
func listOf(t *testing.T, n, perDate int) (*patchlist.List, *common.Common, []store.PatchRow) {
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
		p := &store.Patch{ProjectID: pr.ID, MsgID: fmt.Sprintf("<%d@p>", i), Name: fmt.Sprintf("patch %d", i),
			Date: start.Add(time.Duration(i/perDate) * time.Hour), SubmitterID: who.ID}
		if err := s.CreatePatch(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{pr.ID}}},
		Order: store.OrderDate, Desc: true})
	if err != nil || len(want) != n {
		t.Fatalf("%d rows, %v", len(want), err)
	}
	c := &common.Common{Ctx: ctx, Width: 100, Height: 12, Styles: styles.New(true), Keys: keymap.Default(),
		Store: s, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	l := patchlist.New(c, patchlist.Options{Title: "p", Project: pr,
		Base: []store.Cond{{Field: store.FieldProject, Ints: []int64{pr.ID}}}})
	drive(l, l.Init())
	return l, c, want
}
