// Package bundles lists the bundles a session may see: the user's own
// (public or not) and everyone's public ones. Owners may delete a bundle
// (after a confirmation) or make it public or private.
package bundles

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// maxBundles bounds one load; bundles are few per user, public ones may
// not be.
const maxBundles = 500

// Page is the bundle list.
type Page struct {
	c      *common.Common
	rows   []row
	cursor int
	top    int
	loaded bool
	dialog components.Dialog
}

type row struct {
	b       store.Bundle
	owner   string
	project string
	count   int
}

type loadedMsg struct {
	rows []row
	err  error
}

type changedMsg struct {
	status string
	err    error
}

// New returns the bundle list.
func New(c *common.Common) *Page { return &Page{c: c} }

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return p.Reload() }

// Reload implements common.Page.
func (p *Page) Reload() tea.Cmd {
	c := p.c
	return func() tea.Msg {
		bs, err := c.Store.ListBundles(c.Ctx, store.BundleQuery{ViewerID: c.UserID(), Order: "name", Limit: maxBundles})
		if err != nil {
			return loadedMsg{err: fmt.Errorf("list bundles: %w", err)}
		}
		owners := make([]int64, len(bs))
		for i, b := range bs {
			owners[i] = b.OwnerID
		}
		users, err := c.Store.GetUsers(c.Ctx, owners)
		if err != nil {
			return loadedMsg{err: fmt.Errorf("bundle owners: %w", err)}
		}
		projects, err := c.Store.ListProjects(c.Ctx)
		if err != nil {
			return loadedMsg{err: fmt.Errorf("list projects: %w", err)}
		}
		names := map[int64]string{}
		for _, pr := range projects {
			names[pr.ID] = pr.LinkName
		}
		rows := make([]row, len(bs))
		for i, b := range bs {
			ids, err := c.Store.BundlePatchIDs(c.Ctx, b.ID)
			if err != nil {
				return loadedMsg{err: fmt.Errorf("bundle %q: %w", b.Name, err)}
			}
			rows[i] = row{b: b, owner: users[b.OwnerID].Username, project: names[b.ProjectID], count: len(ids)}
		}
		return loadedMsg{rows: rows}
	}
}

// Title implements common.Page.
func (p *Page) Title() string { return "bundles" }

// Capturing implements common.Page.
func (p *Page) Capturing() bool { return p.dialog != nil }

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Open, k.Delete, k.Public, k.Back}
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
		p.move(0)
	case changedMsg:
		if msg.err != nil {
			return common.Error(msg.err)
		}
		return common.Send(common.ChangedMsg{Status: msg.status})
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			p.move(3)
		case tea.MouseWheelUp:
			p.move(-3)
		}
	case tea.KeyPressMsg:
		if p.dialog != nil {
			done, cmd := p.dialog.Update(msg)
			if done {
				p.dialog = nil
			}
			return cmd
		}
		switch {
		case key.Matches(msg, k.Down):
			p.move(1)
		case key.Matches(msg, k.Up):
			p.move(-1)
		case key.Matches(msg, k.PageDown):
			p.move(p.visible())
		case key.Matches(msg, k.PageUp):
			p.move(-p.visible())
		case key.Matches(msg, k.Top):
			p.move(-len(p.rows))
		case key.Matches(msg, k.Bottom):
			p.move(len(p.rows))
		case key.Matches(msg, k.Open):
			if r, ok := p.current(); ok {
				return p.c.Go(common.OpenBundleMsg{Bundle: r.b})
			}
		case key.Matches(msg, k.Delete):
			return p.delete()
		case key.Matches(msg, k.Public):
			return p.togglePublic()
		}
	}
	return nil
}

func (p *Page) visible() int { return max(p.c.Height-1, 1) }

func (p *Page) move(n int) {
	p.cursor = max(min(p.cursor+n, len(p.rows)-1), 0)
	vis := p.visible()
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+vis {
		p.top = p.cursor - vis + 1
	}
	p.top = max(min(p.top, len(p.rows)-vis), 0)
}

func (p *Page) current() (row, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return row{}, false
	}
	return p.rows[p.cursor], true
}

// own returns the bundle under the cursor if the session may change it.
func (p *Page) own() (store.Bundle, tea.Cmd) {
	r, ok := p.current()
	if !ok {
		return store.Bundle{}, common.Status("no bundle here")
	}
	u := p.c.User
	if u == nil {
		return store.Bundle{}, common.Error(common.ErrAnonymous)
	}
	if err := service.MayChangeBundle(u, &r.b, service.AdminsToo); err != nil {
		return store.Bundle{}, common.Error(fmt.Errorf("bundle %q belongs to %s: %w", r.b.Name, r.owner, store.ErrForbidden))
	}
	return r.b, nil
}

func (p *Page) delete() tea.Cmd {
	b, cmd := p.own()
	if cmd != nil {
		return cmd
	}
	c := p.c
	run := func() tea.Msg {
		if err := c.Service.DeleteBundle(c.Ctx, c.User, &b, service.AdminsToo); err != nil {
			return changedMsg{err: fmt.Errorf("delete bundle %q: %w", b.Name, err)}
		}
		return changedMsg{status: fmt.Sprintf("bundle %q deleted", b.Name)}
	}
	p.dialog = components.NewConfirm(c, fmt.Sprintf("Delete bundle %q?", b.Name), run)
	return nil
}

func (p *Page) togglePublic() tea.Cmd {
	b, cmd := p.own()
	if cmd != nil {
		return cmd
	}
	c := p.c
	public := !b.Public
	return func() tea.Msg {
		if err := c.Service.UpdateBundle(c.Ctx, c.User, &b, service.BundleChange{Public: &public}, service.AdminsToo); err != nil {
			return changedMsg{err: fmt.Errorf("update bundle %q: %w", b.Name, err)}
		}
		word := "private"
		if b.Public {
			word = "public"
		}
		return changedMsg{status: fmt.Sprintf("bundle %q is now %s", b.Name, word)}
	}
}

// View implements common.Page.
func (p *Page) View() string {
	w, h := p.c.Width, p.c.Height
	st := p.c.Styles
	if p.dialog != nil {
		return components.Overlay(p.c, p.dialog, w, h)
	}
	t := components.Table{
		Columns: []components.Column{
			{Title: "Bundle"}, {Title: "Owner", Width: 14}, {Title: "Project", Width: 14},
			{Title: "Patches", Width: 7, Right: true}, {Title: "Public", Width: 6},
		},
		Header: st.ColHeader, Cursor: st.Cursor,
	}
	end := min(p.top+p.visible(), len(p.rows))
	rows := make([][]string, 0, end-p.top)
	for _, r := range p.rows[p.top:end] {
		pub := ""
		if r.b.Public {
			pub = "yes"
		}
		rows = append(rows, []string{common.Sanitize(r.b.Name), r.owner, r.project, strconv.Itoa(r.count), pub})
	}
	body := t.Render(w, rows, p.cursor-p.top)
	if p.loaded && len(p.rows) == 0 {
		msg := "no bundles yet: press b on a patch to add it to one"
		if p.c.User == nil {
			msg = "no public bundles"
		}
		body += "\n" + st.Muted.Render("  "+msg)
	}
	return common.PadLines(body, w, h)
}
