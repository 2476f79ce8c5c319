package patchlist

import (
	"fmt"
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
	// outside are the marked patches the new list does not show: their
	// marks go, so that no action touches a patch the reviewer cannot see.
	outside []int64
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
		c, base := l.c, slices.Clip(l.base)
		l.resolving = true
		marked := make([]int64, 0, len(l.marks))
		for id := range l.marks {
			marked = append(marked, id)
		}
		sortIDs(marked)
		return func() tea.Msg {
			conds, err := resolve(c, text)
			m := searchMsg{text: text, conds: conds, err: err}
			if err == nil && len(marked) > 0 {
				_, m.outside, m.err = inList(c, append(base, conds...), marked)
			}
			return m
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
	load := l.load(loadFirst)
	for _, id := range m.outside {
		delete(l.marks, id)
	}
	switch n := len(m.outside); {
	case n == 1:
		return tea.Batch(load, common.Status(fmt.Sprintf("mark of %s dropped: not in this list", ids(m.outside))))
	case n > 1:
		return tea.Batch(load, common.Status(fmt.Sprintf("%d marks dropped, not in this list: %s", n, ids(m.outside))))
	}
	return load
}

func sortIDs(ids []int64) { slices.Sort(ids) }
