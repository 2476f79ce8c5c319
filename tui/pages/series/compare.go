package series

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// compareMsg carries two versions of a series, patch by patch (by
// number). It is rendered in Update.
type compareMsg struct {
	old, cur store.Series
	pairs    []pair
	err      error
}

// pair is one patch number in the two versions; either side may be nil.
type pair struct {
	number   int
	old, cur *store.Patch
}

// maxComparePatches keeps one keypress from reading a huge series twice.
const maxComparePatches = 200

func compare(c *common.Common, old, cur store.Series) tea.Cmd {
	return func() tea.Msg {
		m := compareMsg{old: old, cur: cur}
		byNum := map[int]*pair{}
		for side, s := range []store.Series{old, cur} {
			rows, err := c.Store.SeriesPatches(c.Ctx, s.ID)
			if err != nil {
				m.err = fmt.Errorf("patches of series %d: %w", s.ID, err)
				return m
			}
			if len(rows) > maxComparePatches {
				m.err = fmt.Errorf("series %d has %d patches, too many to compare here", s.ID, len(rows))
				return m
			}
			for _, r := range rows {
				pt, err := c.Store.GetPatch(c.Ctx, r.ID)
				if err != nil {
					m.err = fmt.Errorf("patch %d: %w", r.ID, err)
					return m
				}
				pr := byNum[r.Number]
				if pr == nil {
					pr = &pair{number: r.Number}
					byNum[r.Number] = pr
				}
				// A number sent twice in one version: the first one wins.
				if side == 0 && pr.old == nil {
					pr.old = pt
				} else if side == 1 && pr.cur == nil {
					pr.cur = pt
				}
			}
		}
		for _, pr := range byNum {
			m.pairs = append(m.pairs, *pr)
		}
		slices.SortFunc(m.pairs, func(a, b pair) int { return a.number - b.number })
		return m
	}
}

func (p *Page) showCompare(m compareMsg) tea.Cmd {
	if m.err != nil {
		return common.Error(m.err)
	}
	st := p.c.Styles
	lines := []string{st.Title.Render(fmt.Sprintf("v%d #%d → v%d #%d: %s",
		m.old.Version, m.old.ID, m.cur.Version, m.cur.ID, common.Sanitize(m.cur.DisplayName())))}
	for _, pr := range m.pairs {
		lines = append(lines, "", st.Section.Render(fmt.Sprintf("Patch %d", pr.number)))
		switch {
		case pr.old == nil:
			lines = append(lines, st.DiffAdd.Render("new in v"+fmt.Sprint(m.cur.Version)+": #"+fmt.Sprint(pr.cur.ID)+" "+common.Sanitize(pr.cur.Name)))
		case pr.cur == nil:
			lines = append(lines, st.DiffDel.Render("dropped: #"+fmt.Sprint(pr.old.ID)+" "+common.Sanitize(pr.old.Name)))
		default:
			lines = append(lines, components.Interdiff(st, pr.old, pr.cur)...)
		}
	}
	return common.Send(common.OpenTextMsg{Title: fmt.Sprintf("series #%d vs #%d", m.cur.ID, m.old.ID), Lines: lines})
}
