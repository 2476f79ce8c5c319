// Package serieslist is a project's list in series mode: one row per
// series, newest first, loaded in windows around the cursor, with actions
// on every patch of the series under the cursor.
package serieslist

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	"github.com/patchwork-go/patchwork/tui/pages/actions"
)

// Page is the series list of one project.
type Page struct {
	c       *common.Common
	project store.Project
	win     window
	search  bool
	input   components.Input
	query   string            // the applied query (query.Series terms)
	sq      store.SeriesQuery // its conditions
	err     string            // what is wrong with the query typed
	marks   map[int64]bool    // marked series
	actions *actions.Actions
}

// New returns the series list of project p; Init loads it.
func New(c *common.Common, p store.Project) *Page {
	pg := &Page{c: c, project: p, actions: actions.New(c), marks: map[int64]bool{}}
	pg.input = components.Input{Prompt: "/", Cursor: c.Styles.DialogCursor}
	return pg
}

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return p.load(false, 0, 0) }

// Reload implements common.Page: the same window, the cursor kept on its
// series.
func (p *Page) Reload() tea.Cmd {
	if !p.win.loaded {
		return nil
	}
	return p.load(p.win.asc, p.win.off, p.currentID())
}

// Title implements common.Page.
func (p *Page) Title() string { return p.project.LinkName + " › series" }

// Capturing implements common.Page.
func (p *Page) Capturing() bool { return p.search || p.actions.Active() }

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Open, k.Search, k.Mark, k.State, k.Delegate, k.Archive, k.Bundle, k.SeriesMode, k.Back}
}

// seriesPatchesMsg starts an action once the series' patches are known.
type seriesPatchesMsg struct {
	kind actions.Kind
	rows []store.PatchRow
	err  error
}

// Update implements common.Page.
func (p *Page) Update(msg tea.Msg) tea.Cmd {
	if handled, cmd := p.actions.Update(msg); handled {
		return cmd
	}
	switch msg := msg.(type) {
	case common.Loaded[windowMsg]:
		return p.apply(msg)
	case seriesPatchesMsg:
		if msg.err != nil {
			return common.Error(msg.err)
		}
		return p.actions.Start(msg.kind, actions.TargetOf(msg.rows))
	case actions.DoneMsg:
		if msg.OK > 0 {
			clear(p.marks)
		}
		return actions.Result(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			return p.move(3)
		case tea.MouseWheelUp:
			return p.move(-3)
		}
	case tea.KeyPressMsg:
		if p.search {
			return p.searchKey(msg)
		}
		return p.key(msg)
	}
	return nil
}

func (p *Page) key(msg tea.KeyPressMsg) tea.Cmd {
	k, vis := p.c.Keys, p.visible()
	switch {
	case key.Matches(msg, k.Down):
		return p.move(1)
	case key.Matches(msg, k.Up):
		return p.move(-1)
	case key.Matches(msg, k.HalfDown):
		return p.move(vis / 2)
	case key.Matches(msg, k.HalfUp):
		return p.move(-vis / 2)
	case key.Matches(msg, k.PageDown):
		return p.move(vis)
	case key.Matches(msg, k.PageUp):
		return p.move(-vis)
	case key.Matches(msg, k.Top):
		return p.load(false, 0, 0)
	case key.Matches(msg, k.Bottom):
		return p.load(true, 0, -1)
	case key.Matches(msg, k.Search):
		p.search = true
		p.input.SetValue(p.query)
	case key.Matches(msg, k.Mark):
		if s, ok := p.current(); ok {
			if p.marks[s.ID] {
				delete(p.marks, s.ID)
			} else {
				p.marks[s.ID] = true
			}
			return p.move(1)
		}
	case key.Matches(msg, k.ClearMarks):
		clear(p.marks)
	case key.Matches(msg, k.Open):
		if s, ok := p.current(); ok {
			return p.c.Go(common.OpenSeriesMsg{ID: s.ID})
		}
	case key.Matches(msg, k.SeriesMode):
		return p.c.Go(common.SwapMsg{Open: common.OpenProjectMsg{Project: p.project}})
	case key.Matches(msg, k.State):
		return p.act(actions.SetState)
	case key.Matches(msg, k.Delegate):
		return p.act(actions.SetDelegate)
	case key.Matches(msg, k.Archive):
		return p.act(actions.ToggleArchive)
	case key.Matches(msg, k.Bundle):
		return p.act(actions.AddToBundle)
	}
	return nil
}

func (p *Page) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.search = false
	case "enter":
		text := strings.TrimSpace(p.input.Value())
		sq := store.SeriesQuery{}
		q, err := query.Parse(text)
		if err == nil {
			err = q.Series(&sq)
		}
		if err != nil {
			p.err = err.Error()
			return nil
		}
		p.search, p.err = false, ""
		p.query, p.sq = text, sq
		return p.load(false, 0, 0)
	default:
		p.input.Update(msg)
		p.err = ""
	}
	return nil
}

// act applies an action to every patch of the marked series, else of
// the series under the cursor.
func (p *Page) act(kind actions.Kind) tea.Cmd {
	s, ok := p.current()
	if !ok {
		return nil
	}
	if p.c.User == nil {
		return common.Error(common.ErrAnonymous)
	}
	ids := []int64{s.ID}
	if len(p.marks) > 0 {
		ids = slices.Sorted(maps.Keys(p.marks))
	}
	c := p.c
	return func() tea.Msg {
		var all []store.PatchRow
		for _, id := range ids {
			rows, err := c.Store.SeriesPatches(c.Ctx, id)
			if err != nil {
				return seriesPatchesMsg{err: fmt.Errorf("patches of series %d: %w", id, err)}
			}
			all = append(all, rows...)
		}
		if len(all) == 0 {
			return seriesPatchesMsg{err: fmt.Errorf("series %d has no patches yet", s.ID)}
		}
		return seriesPatchesMsg{kind: kind, rows: all}
	}
}

// ProjectID implements common.ProjectScoped.
func (p *Page) ProjectID() int64 { return p.project.ID }

// Busy implements common.Busy: keys wait for the first rows.
func (p *Page) Busy() bool { return !p.win.loaded }
