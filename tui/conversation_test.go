package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestCoverConversation: a reply to the cover letter shows in the series
// view and in its patches' views ("series comments"), and its trailer
// counts on every patch of the series.
func TestCoverConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	check(t, f.s.CreateComment(ctx, &store.Comment{CoverID: f.cover.ID, ProjectID: f.libuv.ID, MsgID: "<cover-reply@example.org>",
		Date: time.Date(2026, 2, 11, 9, 0, 0, 0, time.UTC), SubmitterID: f.bob.ID, Headers: "In-Reply-To: <cover.v1@example.org>\n",
		Content: "The whole series looks right.\n\nReviewed-by: Bob Reviewer <bob@example.org>\n"}))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.v1p[0].ID })
	h.waitFor("Tags       Reviewed-by: 1 (1 from the cover letter)")
	h.typ("m")
	h.waitFor("Series comments (1)", "The whole series looks right.", "Reviewed-by")
	h.typ("S")
	s := h.waitFor("series #"+itoa(f.v1.ID), "Replies to the cover letter (1)")
	for _, p := range f.v1p {
		row := rowOf(s, p.Name)
		if !strings.Contains(row, "- 1 -") {
			t.Errorf("patch %q does not count the cover's Reviewed-by: %q", p.Name, row)
		}
	}
}
