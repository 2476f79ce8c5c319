// Package text is a read-only page of styled lines (the help screen, the
// diff between two versions of a series).
package text

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// Page shows lines in a pager.
type Page struct {
	c     *common.Common
	title string
	pager *components.Pager
}

// New returns a text page.
func New(c *common.Common, title string, lines []string) *Page {
	p := &Page{c: c, title: title, pager: components.NewPager(c)}
	p.pager.SetSize(c.Width, c.Height)
	p.pager.SetLines(lines)
	return p
}

// Init implements common.Page.
func (p *Page) Init() tea.Cmd { return nil }

// Reload implements common.Page (the text is fixed).
func (p *Page) Reload() tea.Cmd { return nil }

// Title implements common.Page.
func (p *Page) Title() string { return p.title }

// Capturing implements common.Page.
func (p *Page) Capturing() bool { return p.pager.Capturing() }

// ShortHelp implements common.Page.
func (p *Page) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Down, k.Up, k.HalfDown, k.Search, k.NextMatch, k.Back}
}

// Update implements common.Page.
func (p *Page) Update(msg tea.Msg) tea.Cmd {
	p.pager.Update(msg)
	return nil
}

// View implements common.Page.
func (p *Page) View() string {
	p.pager.SetSize(p.c.Width, p.c.Height)
	return common.PadLines(p.pager.View(), p.c.Width, p.c.Height)
}
