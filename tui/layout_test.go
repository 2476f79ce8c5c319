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
