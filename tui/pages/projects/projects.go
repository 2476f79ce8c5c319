// Package projects is the home page: every project with the number of its
// patches that need action.
package projects

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// Page lists projects.
type Page struct {
	c      *common.Common
	rows   []row
	cursor int
	loaded bool
}

type row struct {
	p      store.Project
	action int // patches in action-required states, not archived
	maint  bool
}

type loadedMsg struct {
	rows []row
	err  error
}

// New returns the projects page.
func New(c *common.Common) *Page { return &Page{c: c} }

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return p.Reload() }

// Reload implements common.Page: one count query per project.
func (p *Page) Reload() tea.Cmd {
	c := p.c
	return func() tea.Msg {
		ps, err := c.Store.ListProjects(c.Ctx)
		if err != nil {
			return loadedMsg{err: fmt.Errorf("list projects: %w", err)}
		}
		states, err := c.Store.ListStates(c.Ctx)
		if err != nil {
			return loadedMsg{err: fmt.Errorf("list states: %w", err)}
		}
		mine := map[int64]bool{}
		if c.User != nil {
			ids, err := c.Store.MaintainedProjects(c.Ctx, c.User.ID)
			if err != nil {
				return loadedMsg{err: fmt.Errorf("maintained projects: %w", err)}
			}
			for _, id := range ids {
				mine[id] = true
			}
		}
		rows := make([]row, len(ps))
		for i, pr := range ps {
			counts, err := c.CountByState(pr.ID)
			if err != nil {
				return loadedMsg{err: fmt.Errorf("count patches of %s: %w", pr.LinkName, err)}
			}
			n := 0
			for _, st := range states {
				if st.ActionRequired {
					n += counts[st.ID]
				}
			}
			rows[i] = row{p: pr, action: n, maint: mine[pr.ID]}
		}
		return loadedMsg{rows: rows}
	}
}

// Title implements common.Page.
func (p *Page) Title() string { return "projects" }

// Capturing implements common.Page.
func (p *Page) Capturing() bool { return false }

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Open, k.SeriesMode, k.Todo, k.Bundles, k.Back}
}

// Update implements common.Page.
func (p *Page) Update(msg tea.Msg) tea.Cmd {
	k := p.c.Keys
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.err != nil {
			return common.Error(msg.err)
		}
		p.rows, p.loaded = msg.rows, true
		p.cursor = min(p.cursor, max(len(p.rows)-1, 0))
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			p.cursor = min(p.cursor+1, len(p.rows)-1)
		} else if msg.Button == tea.MouseWheelUp {
			p.cursor = max(p.cursor-1, 0)
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Down):
			p.cursor = min(p.cursor+1, len(p.rows)-1)
		case key.Matches(msg, k.Up):
			p.cursor = max(p.cursor-1, 0)
		case key.Matches(msg, k.Top):
			p.cursor = 0
		case key.Matches(msg, k.Bottom):
			p.cursor = max(len(p.rows)-1, 0)
		case key.Matches(msg, k.Open):
			if len(p.rows) > 0 {
				return p.c.Go(common.OpenProjectMsg{Project: p.rows[p.cursor].p})
			}
		case key.Matches(msg, k.SeriesMode):
			if len(p.rows) > 0 {
				return p.c.Go(common.OpenSeriesListMsg{Project: p.rows[p.cursor].p})
			}
		}
	}
	return nil
}

// View implements common.Page.
func (p *Page) View() string {
	st := p.c.Styles
	t := components.Table{
		Columns: []components.Column{
			{Title: "Project", Width: 16}, {Title: "Name"}, {Title: "Mailing list", Width: 30},
			{Title: "Action req.", Width: 11, Right: true}, {Title: "", Width: 10},
		},
		Header: st.ColHeader, Cursor: st.Cursor,
	}
	if p.c.Width < 100 {
		t.Columns[2].Width = 20
	}
	rows := make([][]string, len(p.rows))
	for i, r := range p.rows {
		role := ""
		if r.maint {
			role = st.Marked.Render("maintainer")
		}
		rows[i] = []string{r.p.LinkName, r.p.Name, r.p.ListID, strconv.Itoa(r.action), role}
	}
	body := t.Render(p.c.Width, rows, p.cursor)
	if p.loaded && len(p.rows) == 0 {
		body += "\n" + st.Muted.Render("  no projects yet")
	}
	return common.PadLines(body, p.c.Width, p.c.Height)
}
