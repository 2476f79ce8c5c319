package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestListLayoutNarrow: at 80 columns the columns with nothing to show
// (no check, no tag in the list) make room for the patch's name.
func TestListLayoutNarrow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	name := "[PATCH v3 12/17] win: shrink the fd hash table" // 46 cells: 33 were left before
	check(t, f.s.CreatePatch(ctx, &store.Patch{ProjectID: f.other.ID, MsgID: "<long@example.org>", Name: name,
		Date: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), SubmitterID: f.jane.ID, StateID: f.states["new"].ID,
		Diff: sampleDiff, Content: "x\n"}, nil))
	h := start(t, f.s, f.mia, size(80, 24))
	h.waitFor("Other project")
	h.typ("j")
	h.press("enter")
	s := h.waitFor("other › patches", "1 of 1")
	if !strings.Contains(s, name) {
		t.Errorf("the name is cut at 80 columns:\n%s", s)
	}
	for _, gone := range []string{"S/W/F", "A/R/T"} {
		if strings.Contains(s, gone) {
			t.Errorf("the empty column %s takes room:\n%s", gone, s)
		}
	}
}

// TestSeriesListStateAndQuery: the series list shows each series'
// progress, takes the query language's series terms and marks series.
func TestSeriesListStateAndQuery(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	h.waitFor("libuv")
	h.typ("t")
	s := h.waitFor("libuv › series", "2/2 New", "2/2 Superseded")
	if !strings.Contains(rowOf(s, "v2"), "2/2 New") || !strings.Contains(rowOf(s, "v1"), "2/2 Superseded") {
		t.Errorf("progress on the wrong rows:\n%s", s)
	}
	search := func(q string) {
		h.typ("/")
		h.press("ctrl+u")
		h.typ(q)
		h.press("enter")
	}
	search("loop date:>=2026-02-12")
	s = h.waitFor("query: loop date:>=2026-02-12", "1 of 1")
	if strings.Contains(s, "Superseded") {
		t.Errorf("date:>=2026-02-12 lists v1 (2026-02-10):\n%s", s)
	}
	search("from:bob")
	h.waitFor("query: from:bob", "no series match")
	search("state:new")
	h.waitFor(`col 1: state: is not a series term (words, from:, date:)`)
	h.press("esc")
	search("-fixes")
	h.waitFor("query: -fixes", "no series match")
	search("")
	h.waitFor("all series, newest first", "1 of 2")
	h.press("space")
	s = h.waitFor("1 marked", "2 of 2")
	if !strings.Contains(rowOf(s, "v2"), "*") {
		t.Errorf("the marked series shows no mark:\n%s", s)
	}
}
