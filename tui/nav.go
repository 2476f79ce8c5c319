package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/pages/bundles"
	"github.com/patchwork-go/patchwork/tui/pages/patch"
	"github.com/patchwork-go/patchwork/tui/pages/patchlist"
	"github.com/patchwork-go/patchwork/tui/pages/series"
	"github.com/patchwork-go/patchwork/tui/pages/serieslist"
	"github.com/patchwork-go/patchwork/tui/pages/text"
)

// DefaultQuery is what a project's list shows first, like upstream's
// default filter: patches that need action and are not archived.
const DefaultQuery = "is:action-required -is:archived"

// open builds the page a navigation message asks for; nil when msg is not
// a navigation message.
func (m *Model) open(msg tea.Msg) tea.Cmd {
	c := m.c
	var p common.Page
	switch msg := msg.(type) {
	case common.OpenProjectMsg:
		pr, q := msg.Project, msg.Query
		if q == "" {
			q = DefaultQuery
		}
		p = patchlist.New(c, patchlist.Options{
			Title:   pr.LinkName + " › patches",
			Project: &pr,
			Base:    []store.Cond{{Field: store.FieldProject, Ints: []int64{pr.ID}}},
			Query:   q,
		})
	case common.OpenSeriesListMsg:
		p = serieslist.New(c, msg.Project)
	case common.OpenPatchMsg:
		p = patch.New(c, msg.ID)
	case common.OpenSeriesMsg:
		p = series.New(c, msg.ID)
	case common.OpenBundlesMsg:
		p = bundles.New(c)
	case common.OpenBundleMsg:
		m.opening = true
		return m.openBundle(msg.Bundle)
	case common.OpenTodoMsg:
		if c.User == nil {
			return common.Status("the to-do list needs a registered SSH key")
		}
		p = patchlist.New(c, patchlist.Options{
			Title: "my to-do",
			Base: []store.Cond{
				{Field: store.FieldDelegate, Ints: []int64{c.User.ID}},
				{Field: store.FieldActionRequired, Bool: true},
				{Field: store.FieldArchived, Not: true, Bool: true},
			},
		})
	case bundleMsg:
		m.opening = false
		if msg.err != nil {
			return common.Error(msg.err)
		}
		p = m.bundleList(msg)
	case common.OpenTextMsg:
		p = text.New(c, msg.Title, msg.Lines)
	default:
		return nil
	}
	m.push(p)
	if _, ok := p.(common.Loader); ok && m.frame.content != "" {
		m.grace = graceFrame{until: c.Now().Add(loadGrace), content: m.frame.content}
		return tea.Batch(p.Init(), tea.Tick(loadGrace, func(time.Time) tea.Msg { return graceOverMsg{} }))
	}
	return p.Init()
}

// loadGrace is how long the page below stays on screen while a Loader
// loads: a patch loads in a few milliseconds, a "loading…" shown for that
// long is a flash and a frame to draw.
const loadGrace = 150 * time.Millisecond

// graceFrame is the frame kept on screen while the page on top loads.
type graceFrame struct {
	until   time.Time
	content string
}

// graceOverMsg ends a grace: the next frame shows the page on top,
// loaded or not.
type graceOverMsg struct{}

// bundleMsg carries a bundle's patch ids; the list is built in Update,
// never inside a command.
type bundleMsg struct {
	b   store.Bundle
	ids []int64
	err error
}

// openBundle reads the bundle's patch ids, then opens a list of them.
func (m *Model) openBundle(b store.Bundle) tea.Cmd {
	c := m.c
	return func() tea.Msg {
		ids, err := c.Store.BundlePatchIDs(c.Ctx, b.ID)
		if err != nil {
			return bundleMsg{err: fmt.Errorf("bundle %q: %w", b.Name, err)}
		}
		return bundleMsg{b: b, ids: ids}
	}
}

func (m *Model) bundleList(msg bundleMsg) common.Page {
	ids := msg.ids
	if len(ids) == 0 {
		ids = []int64{0} // matches nothing: an empty bundle lists no patch
	}
	return patchlist.New(m.c, patchlist.Options{
		Title: "bundle " + msg.b.Name,
		Base:  []store.Cond{{Field: store.FieldID, Ints: ids}},
	})
}

// firstProject opens the project the session starts on: the one named
// (ssh -t host PROJECT [QUERY]), or the only one of a server that has one.
func (m *Model) firstProject(name, query string) tea.Cmd {
	c := m.c
	m.opening = true
	return func() tea.Msg {
		done := func(msg tea.Msg) tea.Msg { return firstProjectMsg{open: msg} }
		if name != "" {
			pr, err := c.Store.GetProjectByLinkName(c.Ctx, name)
			if err != nil {
				return done(common.ErrorMsg{Err: fmt.Errorf("project %q: %w", name, err)})
			}
			return done(common.OpenProjectMsg{Project: *pr, Query: query})
		}
		prs, err := c.Store.ListProjects(c.Ctx)
		if err != nil || len(prs) != 1 {
			return done(nil) // the project list it is
		}
		return done(common.OpenProjectMsg{Project: prs[0], Query: query})
	}
}

// firstProjectMsg carries what firstProject opens (nil: nothing).
type firstProjectMsg struct{ open tea.Msg }
