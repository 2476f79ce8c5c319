package patchlist

import (
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// searchState is the `/` prompt: it edits a query in the shared query
// language; a bad query keeps the prompt open with the error and column.
type searchState struct {
	active bool
	input  components.Input
	err    string
}

// searchMsg is a resolved query (or the error that stopped it).
type searchMsg struct {
	text  string
	conds []store.Cond
	err   error
}

// resolve parses and resolves a query against the store (I/O: run in a
// command).
func resolve(c *common.Common, text string) ([]store.Cond, error) {
	q, err := query.Parse(text)
	if err != nil {
		return nil, err
	}
	return q.Conds(c.Ctx, query.StoreResolver(c.Store, c.User))
}

func (l *List) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		l.search.active, l.search.err = false, ""
		return nil
	case "enter":
		text := l.search.input.Value()
		// Syntax errors need no I/O: report them at once.
		if _, err := query.Parse(text); err != nil {
			l.search.err = err.Error()
			return nil
		}
		c := l.c
		l.resolving = true
		return func() tea.Msg {
			conds, err := resolve(c, text)
			return searchMsg{text: text, conds: conds, err: err}
		}
	}
	l.search.input.Update(msg)
	l.search.err = ""
	return nil
}

func (l *List) applySearch(m searchMsg) tea.Cmd {
	l.resolving = false
	if m.err != nil {
		l.search.err = m.err.Error()
		return nil
	}
	l.search.active, l.search.err = false, ""
	l.query, l.conds = m.text, m.conds
	return l.load(loadFirst)
}

func sortIDs(ids []int64) { slices.Sort(ids) }
