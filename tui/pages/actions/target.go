package actions

import (
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
)

// Target is what an action applies to: the marked patches of a list, a
// series' patches, or the one patch under the cursor or on screen.
type Target struct {
	IDs       []int64
	ProjectID int64 // for the delegate list and a new bundle
	// The current values of the single patch (or the first one), used to
	// preselect pickers and prefill prompts.
	StateID   int64
	Delegate  int64
	Archived  bool
	CommitRef string
	// Left are marked patches the action leaves out because the list no
	// longer shows them; its dialog and status line name them.
	Left []int64
	// seen holds, per patch, the row shown when the action started
	// (TargetOf): the values a change expects to replace, and the names
	// dialogs show.
	seen map[int64]store.PatchRow
}

// TargetOf targets every row (a series, the marked rows, the cursor's
// row); the first row gives the values that preselect pickers.
func TargetOf(rows []store.PatchRow) Target {
	if len(rows) == 0 {
		return Target{}
	}
	r := rows[0]
	t := Target{ProjectID: r.ProjectID, StateID: r.StateID, Delegate: r.DelegateID, Archived: r.Archived, CommitRef: r.CommitRef}
	t.seen = make(map[int64]store.PatchRow, len(rows))
	for _, r := range rows {
		t.IDs = append(t.IDs, r.ID)
		t.seen[r.ID] = r
	}
	return t
}

// RowOf is the list row of a patch, as far as actions need one.
func RowOf(p *store.Patch) store.PatchRow {
	return store.PatchRow{ID: p.ID, ProjectID: p.ProjectID, Name: p.Name, StateID: p.StateID, DelegateID: p.DelegateID,
		Archived: p.Archived, CommitRef: p.CommitRef, SeriesID: p.SeriesID}
}

// PatchTarget targets one patch (the patch view's).
func PatchTarget(p *store.Patch) Target { return TargetOf([]store.PatchRow{RowOf(p)}) }

// row is what the action knew of patch id when it started.
func (t Target) row(id int64) store.PatchRow {
	if r, ok := t.seen[id]; ok {
		return r
	}
	if len(t.IDs) == 1 && t.IDs[0] == id {
		return store.PatchRow{ID: id, ProjectID: t.ProjectID, StateID: t.StateID, DelegateID: t.Delegate, Archived: t.Archived, CommitRef: t.CommitRef}
	}
	return store.PatchRow{ID: id}
}

// subset is the target of some of t's patches (ids in t's order given).
func (t Target) subset(ids []int64) Target {
	out := Target{IDs: ids, ProjectID: t.ProjectID, Left: t.Left, seen: make(map[int64]store.PatchRow, len(ids))}
	for _, id := range ids {
		out.seen[id] = t.row(id)
	}
	if len(ids) > 0 {
		r := out.seen[ids[0]]
		out.StateID, out.Delegate, out.Archived, out.CommitRef = r.StateID, r.DelegateID, r.Archived, r.CommitRef
	}
	return out
}

// merge is the target of t's patches and then u's.
func (t Target) merge(u Target) Target {
	ids := append(append([]int64{}, t.IDs...), u.IDs...)
	out := t.subset(t.IDs)
	out.IDs = ids
	if out.ProjectID == 0 {
		out.ProjectID = u.ProjectID
	}
	for _, id := range u.IDs {
		out.seen[id] = u.row(id)
	}
	return out
}

// maxNamed is how many ids a dialog or status line lists.
const maxNamed = 8

// one names a single patch: "#2001 win: shrink fd hash…" (the subject
// without its [PATCH] prefix, cut to fit a dialog).
func one(r store.PatchRow) string {
	name := strings.TrimSpace(stripPrefix(r.Name))
	if name == "" {
		return "#" + itoa(r.ID)
	}
	return "#" + itoa(r.ID) + " " + cut(common.Sanitize(name), 40)
}

// idList lists ids: "#1990 #1991 #1992 …".
func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i == maxNamed {
			fmt.Fprintf(&b, " … (%d more)", len(ids)-maxNamed)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("#" + itoa(id))
	}
	return b.String()
}

// phrase says what happens (or happened) to t: one patch by its name,
// several by their number and ids: "#2001 win: shrink… → Accepted",
// "4 patches → Accepted: #1990 #1991 #1992 #1993".
func (t Target) phrase(verb, tail string) string {
	var s string
	if len(t.IDs) == 1 {
		s = join(verb, one(t.row(t.IDs[0])), tail)
	} else {
		s = join(verb, plural(len(t.IDs)), tail) + ": " + idList(t.IDs)
	}
	return s + t.leftOut()
}

// Name names the target: "#2001 win: shrink fd hash…" or "4 patches:
// #1990 #1991 …".
func (t Target) Name() string { return t.phrase("", "") }

// leftOut names the marked patches the action leaves out.
func (t Target) leftOut() string {
	if len(t.Left) == 0 {
		return ""
	}
	return " (left out, not in this list: " + idList(t.Left) + ")"
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// stripPrefix drops the leading "[PATCH v2 3/4]" of a subject.
func stripPrefix(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "[") {
		i := strings.IndexByte(s, ']')
		if i < 0 {
			break
		}
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}

// cut shortens s to n runes with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

func plural(n int) string {
	if n == 1 {
		return "1 patch"
	}
	return itoa(int64(n)) + " patches"
}

func itoa(n int64) string { return fmt.Sprint(n) }
