// Package patch is the patch view: headers, tags, checks, series position,
// the commit message, the coloured diff and the comments in thread order,
// in one scrollable, searchable pager, with the patch actions.
package patch

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	"github.com/patchwork-go/patchwork/tui/pages/actions"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// Page shows one patch. [ and ] (series neighbours) and < and > (other
// versions) replace the patch in place, so q still returns to the list.
type Page struct {
	c       *common.Common
	id      int64
	load    common.Load[*data]
	d       *data
	err     error
	pager   *components.Pager
	actions *actions.Actions
	// The lines of the diff's files and hunks and of the comments
	// (render.go), for the pager's jumps.
	files, hunks, comments []int
	review                 *replypage.Keys
}

// New returns the view of patch id; Init loads it.
func New(c *common.Common, id int64) *Page {
	p := &Page{c: c, id: id, pager: components.NewPager(c), actions: actions.New(c), review: replypage.NewKeys(c)}
	p.pager.SetSize(c.Width, c.Height)
	return p
}

// ID is the patch shown.
func (p *Page) ID() int64 { return p.id }

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return p.Reload() }

// Reload implements common.Page; the scroll position is kept.
func (p *Page) Reload() tea.Cmd {
	c, id := p.c, p.id
	return p.load.Start(func() (*data, error) { return fetch(c, id) })
}

// Busy implements common.Busy: keys wait while the patch they would act
// on (or scroll) is not the one loaded.
func (p *Page) Busy() bool { return p.load.Busy() && (p.d == nil || p.d.patch.ID != p.id) }

// Title implements common.Page.
func (p *Page) Title() string { return fmt.Sprintf("patch #%d", p.id) }

// Capturing implements common.Page.
func (p *Page) Capturing() bool {
	return p.pager.Capturing() || p.actions.Active() || p.review.Pending()
}

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Down, k.HalfDown, k.Search, k.State, k.Delegate, k.Archive,
		k.PrevPatch, k.NextPatch, k.OpenSeries, k.PrevVersion, k.NextVersion, k.VersionDiff, k.Reply, k.Trailer, k.Back}
}

// Update implements common.Page.
func (p *Page) Update(msg tea.Msg) tea.Cmd {
	if handled, cmd := p.actions.Update(msg); handled {
		return cmd
	}
	switch msg := msg.(type) {
	case common.Loaded[*data]:
		if !p.load.Take(msg) {
			return nil
		}
		if msg.Err != nil {
			p.err = msg.Err
			return common.Error(msg.Err)
		}
		fresh := p.d == nil || p.d.patch.ID != msg.Value.patch.ID
		p.d, p.err = msg.Value, nil
		p.pager.SetLines(p.lines())
		p.pager.SetMarks(components.MarkFile, p.files)
		p.pager.SetMarks(components.MarkHunk, p.hunks)
		p.pager.SetMarks(components.MarkComments, p.comments)
		if fresh {
			p.pager.GotoTop()
		}
		return nil
	case interdiffMsg:
		return p.showInterdiff(msg)
	case actions.DoneMsg:
		return actions.Result(msg)
	case tea.KeyPressMsg:
		if !p.pager.Capturing() {
			if cmd, ok := p.key(msg); ok {
				return cmd
			}
		}
	}
	p.pager.Update(msg)
	return nil
}

// key handles the view's own keys; ok is false for keys left to the pager.
func (p *Page) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := p.c.Keys
	if p.d == nil || p.d.patch.ID != p.id {
		// Still loading: keys that depend on the patch would act on the
		// previous one.
		return nil, p.d != nil
	}
	if cmd, ok := p.review.Key(msg, []service.ReplyTarget{{PatchID: p.d.patch.ID}}); ok {
		return cmd, true
	}
	switch {
	case key.Matches(msg, k.NextPatch), key.Matches(msg, k.PrevPatch):
		prev, next := p.neighbours()
		to := next
		if key.Matches(msg, k.PrevPatch) {
			to = prev
		}
		if to == 0 {
			return common.Status("no such patch in this series"), true
		}
		return p.goTo(to), true
	case key.Matches(msg, k.NextVersion), key.Matches(msg, k.PrevVersion):
		newer := key.Matches(msg, k.NextVersion)
		v, ok := p.otherVersion(newer)
		if !ok {
			return common.Status("no other version of this patch"), true
		}
		return p.goTo(v.patchID), true
	case key.Matches(msg, k.OpenSeries):
		if p.d.series == nil {
			return common.Status("this patch is not in a series"), true
		}
		return p.c.Go(common.OpenSeriesMsg{ID: p.d.series.ID}), true
	case key.Matches(msg, k.VersionDiff):
		v, ok := p.otherVersion(false)
		if !ok {
			return common.Status("no older version of this patch"), true
		}
		return interdiff(p.c, v.patchID, p.d.patch), true
	case key.Matches(msg, k.State):
		return p.act(actions.SetState), true
	case key.Matches(msg, k.Delegate):
		return p.act(actions.SetDelegate), true
	case key.Matches(msg, k.Archive):
		return p.act(actions.ToggleArchive), true
	case key.Matches(msg, k.CommitRef):
		return p.act(actions.SetCommitRef), true
	case key.Matches(msg, k.Bundle):
		return p.act(actions.AddToBundle), true
	case key.Matches(msg, k.CopyApply):
		return p.copyApply(), true
	}
	for _, sk := range k.States {
		if key.Matches(msg, sk.Binding) {
			return p.actions.SetStateTo(p.target(), sk.Slug), true
		}
	}
	return nil, false
}

// goTo shows another patch in this page.
func (p *Page) goTo(id int64) tea.Cmd {
	p.id = id
	return p.Reload()
}

// otherVersion is the nearest newer (or older) version that has a patch
// with this number.
func (p *Page) otherVersion(newer bool) (version, bool) {
	cur := p.d.series
	if cur == nil {
		return version{}, false
	}
	var best version
	found := false
	for _, v := range p.d.versions {
		if v.patchID == 0 || v.series.ID == cur.ID {
			continue
		}
		older := v.series.Version < cur.Version || (v.series.Version == cur.Version && v.series.ID < cur.ID)
		if older == newer {
			continue
		}
		closer := !found || (newer && v.series.Version < best.series.Version) || (!newer && v.series.Version > best.series.Version)
		if closer {
			best, found = v, true
		}
	}
	return best, found
}

func (p *Page) act(kind actions.Kind) tea.Cmd { return p.actions.Start(kind, p.target()) }

func (p *Page) target() actions.Target { return actions.PatchTarget(p.d.patch) }

// View implements common.Page.
func (p *Page) View() string {
	w, h := p.c.Width, p.c.Height
	if p.actions.Active() {
		return p.actions.View(w, h)
	}
	if p.d == nil {
		msg := "loading…"
		if p.err != nil {
			msg = common.Describe(p.err)
		}
		return common.PadLines(p.c.Styles.Muted.Render("  "+msg), w, h)
	}
	p.pager.SetSize(w, h)
	return common.PadLines(p.pager.View(), w, h)
}

// Loaded implements common.Loader.
func (p *Page) Loaded() bool { return p.d != nil || p.err != nil }

// ProjectID implements common.ProjectScoped (0 until the patch is loaded).
func (p *Page) ProjectID() int64 {
	if p.d == nil || p.d.patch == nil {
		return 0
	}
	return p.d.patch.ProjectID
}

// copyApply copies the command that applies this patch.
func (p *Page) copyApply() tea.Cmd { return common.CopyCommand(p.c.ApplyCommand(p.d.patch.ID, false)) }
