// Package series is the series view: the series' versions, its patches
// with their states, tags and checks, and the cover letter; actions apply
// to the marked patches or, with none marked, to the whole series.
package series

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	"github.com/patchwork-go/patchwork/tui/pages/actions"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// Page shows one series. < and > replace it with the older or newer
// version in place.
type Page struct {
	c       *common.Common
	id      int64
	load    common.Load[*data]
	d       *data
	err     error
	cursor  int // index into d.patches
	marks   map[int64]bool
	cover   *components.Pager
	actions *actions.Actions
	review  *replypage.Keys
}

// New returns the view of series id; Init loads it.
func New(c *common.Common, id int64) *Page {
	return &Page{c: c, id: id, marks: map[int64]bool{}, cover: components.NewPager(c), actions: actions.New(c), review: replypage.NewKeys(c)}
}

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return p.Reload() }

// Reload implements common.Page.
func (p *Page) Reload() tea.Cmd {
	c, id := p.c, p.id
	return p.load.Start(func() (*data, error) { return fetch(c, id) })
}

// Busy implements common.Busy: keys wait while the series they would act
// on is not the one loaded.
func (p *Page) Busy() bool { return p.load.Busy() && (p.d == nil || p.d.series.ID != p.id) }

// Title implements common.Page.
func (p *Page) Title() string { return fmt.Sprintf("series #%d", p.id) }

// Capturing implements common.Page.
func (p *Page) Capturing() bool {
	return p.cover.Capturing() || p.actions.Active() || p.review.Pending()
}

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Open, k.Mark, k.State, k.Delegate, k.Archive, k.Bundle,
		k.PrevVersion, k.NextVersion, k.VersionDiff, k.Reply, k.Trailer, k.HalfDown, k.Back}
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
		fresh := p.d == nil || p.d.series.ID != msg.Value.series.ID
		p.d, p.err = msg.Value, nil
		if fresh {
			p.cursor = 0
			clear(p.marks)
		}
		p.cursor = max(min(p.cursor, len(p.d.patches)-1), 0)
		p.cover.SetLines(p.coverLines())
		if fresh {
			p.cover.GotoTop()
		}
		return nil
	case compareMsg:
		return p.showCompare(msg)
	case actions.DoneMsg:
		if msg.OK > 0 {
			clear(p.marks)
		}
		return actions.Result(msg)
	case tea.KeyPressMsg:
		if p.cover.Capturing() {
			p.cover.Update(msg)
			return nil
		}
		return p.key(msg)
	case tea.MouseWheelMsg:
		p.cover.Update(msg)
	}
	return nil
}

func (p *Page) key(msg tea.KeyPressMsg) tea.Cmd {
	if p.d == nil || p.d.series.ID != p.id {
		// Still loading: keys would act on the previous version.
		return nil
	}
	if cmd, ok := p.review.Key(msg, p.reviewTargets()); ok {
		return cmd
	}
	k, n := p.c.Keys, len(p.d.patches)
	switch {
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, max(n-1, 0))
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = max(n-1, 0)
	case key.Matches(msg, k.Open):
		if n > 0 {
			return p.c.Go(common.OpenPatchMsg{ID: p.d.patches[p.cursor].ID})
		}
	case key.Matches(msg, k.Mark):
		if n > 0 {
			id := p.d.patches[p.cursor].ID
			if p.marks[id] {
				delete(p.marks, id)
			} else {
				p.marks[id] = true
			}
			p.cursor = min(p.cursor+1, n-1)
		}
	case key.Matches(msg, k.ClearMarks):
		clear(p.marks)
	case key.Matches(msg, k.NextVersion), key.Matches(msg, k.PrevVersion):
		v := p.d.neighbour(key.Matches(msg, k.NextVersion))
		if v == nil {
			return common.Status("no other version of this series")
		}
		p.id = v.ID
		return p.Reload()
	case key.Matches(msg, k.VersionDiff):
		v := p.d.neighbour(false)
		if v == nil {
			return common.Status("no older version of this series")
		}
		return compare(p.c, *v, *p.d.series)
	case key.Matches(msg, k.State):
		return p.act(actions.SetState)
	case key.Matches(msg, k.Delegate):
		return p.act(actions.SetDelegate)
	case key.Matches(msg, k.Archive):
		return p.act(actions.ToggleArchive)
	case key.Matches(msg, k.CommitRef):
		return p.act(actions.SetCommitRef)
	case key.Matches(msg, k.Bundle):
		return p.act(actions.AddToBundle)
	case key.Matches(msg, k.CopyApply):
		return p.copyApply()
	default:
		for _, sk := range k.States {
			if key.Matches(msg, sk.Binding) {
				return p.stateKey(sk.Slug)
			}
		}
		// Scrolling and searching keys move the cover letter.
		p.cover.Update(msg)
	}
	return nil
}

// stateKey sets a one-key state on the marked patches, else the series'.
func (p *Page) stateKey(slug string) tea.Cmd {
	rows := p.d.patches
	if len(p.marks) > 0 {
		rows = slices.DeleteFunc(slices.Clone(rows), func(r store.PatchRow) bool { return !p.marks[r.ID] })
	}
	if len(rows) == 0 {
		return common.Status("this series has no patches yet")
	}
	return p.actions.SetStateTo(actions.TargetOf(rows), slug)
}

// reviewTargets is what a reply or a trailer from this view answers: the
// cover letter, which counts for every patch of the series, or without
// one each patch (the marked ones, else all).
func (p *Page) reviewTargets() []service.ReplyTarget {
	if p.d.cover != nil {
		return []service.ReplyTarget{{CoverID: p.d.cover.ID}}
	}
	var out []service.ReplyTarget
	for _, r := range p.d.patches {
		if len(p.marks) == 0 || p.marks[r.ID] {
			out = append(out, service.ReplyTarget{PatchID: r.ID})
		}
	}
	return out
}

// act targets the marked patches, else the whole series.
func (p *Page) act(kind actions.Kind) tea.Cmd {
	rows := p.d.patches
	if len(p.marks) > 0 {
		rows = slices.DeleteFunc(slices.Clone(rows), func(r store.PatchRow) bool { return !p.marks[r.ID] })
	}
	if len(rows) == 0 {
		return common.Status("this series has no patches yet")
	}
	return p.actions.Start(kind, actions.TargetOf(rows))
}

// ProjectID implements common.ProjectScoped (0 until the series is loaded).
func (p *Page) ProjectID() int64 {
	if p.d == nil || p.d.series == nil {
		return 0
	}
	return p.d.series.ProjectID
}

// copyApply copies the command that applies this series.
func (p *Page) copyApply() tea.Cmd { return common.CopyCommand(p.c.ApplyCommand(p.d.series.ID, true)) }
