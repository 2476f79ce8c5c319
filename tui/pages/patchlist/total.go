package patchlist

import (
	"fmt"
	"slices"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
)

// The info line shows the cursor's true position and the list's total
// ("101 of 1,991"), or nothing it does not know: a position inside the
// loaded window is no position, and the rows loaded so far no total.
// first is the position of the window's first row; the total comes from
// the state counts the sessions share when the query tests only states
// and archiving (the default lists), else from a count of its own.

// totalMsg is a counted total.
type totalMsg struct {
	conds []store.Cond // what was counted
	n     int
}

// countTotal counts what the list's query lists, in the background.
func (l *List) countTotal() tea.Cmd {
	c, conds, states := l.c, append(slices.Clip(l.base), l.conds...), l.states
	return l.totalLoad.Start(func() (totalMsg, error) {
		if n, ok, err := fromStateCounts(c, conds, states); ok || err != nil {
			return totalMsg{conds: conds, n: n}, err
		}
		n, err := c.Store.CountPatches(c.Ctx, store.PatchQuery{Conds: conds})
		if err != nil {
			return totalMsg{}, fmt.Errorf("count patches: %w", err)
		}
		return totalMsg{conds: conds, n: n}, nil
	})
}

// fromStateCounts answers a count from the shared state counts when conds
// are one project and tests of states and archiving only.
func fromStateCounts(c *common.Common, conds []store.Cond, states []store.State) (int, bool, error) {
	var project int64
	var tests []store.Cond
	archived := []bool{false, true}
	for _, cd := range conds {
		switch cd.Field {
		case store.FieldProject:
			if cd.Not || len(cd.Ints) != 1 || project != 0 {
				return 0, false, nil
			}
			project = cd.Ints[0]
		case store.FieldArchived:
			want := cd.Bool != cd.Not
			archived = slices.DeleteFunc(archived, func(a bool) bool { return a != want })
		case store.FieldState, store.FieldActionRequired:
			tests = append(tests, cd)
		default:
			return 0, false, nil
		}
	}
	if project == 0 {
		return 0, false, nil
	}
	n := 0
	for _, a := range archived {
		counts, err := c.CountStates(project, a)
		if err != nil {
			return 0, false, err
		}
		for _, st := range states {
			if stateMatches(st, tests) {
				n += counts[st.ID]
			}
		}
	}
	return n, true, nil
}

func stateMatches(st store.State, tests []store.Cond) bool {
	for _, t := range tests {
		var ok bool
		if t.Field == store.FieldState {
			ok = slices.Contains(t.Ints, st.ID)
		} else {
			ok = st.ActionRequired == t.Bool
		}
		if ok == t.Not {
			return false
		}
	}
	return true
}

// totalLoaded takes a counted total.
func (l *List) totalLoaded(m common.Loaded[totalMsg]) tea.Cmd {
	if !l.totalLoad.Take(m) {
		return nil
	}
	if m.Err != nil {
		l.totalKnown = false
		l.c.Logger.Debug("count patches", "err", m.Err)
		return nil
	}
	l.total, l.totalKnown = m.Value.n, true
	if !l.firstKnown && l.atEnd {
		l.first, l.firstKnown = max(l.total-len(l.rows), 0), true
	}
	return nil
}

// position is the info line's "101 of 1,991", "" when not known.
func (l *List) position() string {
	if len(l.rows) == 0 || !l.firstKnown {
		return ""
	}
	pos := l.first + l.cursor + 1
	if !l.totalKnown || l.total < pos {
		return thousands(pos)
	}
	return thousands(pos) + " of " + thousands(l.total)
}

// thousands writes n with thousands separators: 1,991.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
