package patch

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// interdiffMsg carries the older version of the patch on screen. It is
// rendered in Update: commands only read, since styles may change under
// them.
type interdiffMsg struct {
	old, cur *store.Patch
	err      error
}

// interdiff fetches the older version's patch to compare with cur.
func interdiff(c *common.Common, olderID int64, cur *store.Patch) tea.Cmd {
	return func() tea.Msg {
		old, err := c.Store.GetPatch(c.Ctx, olderID)
		if err != nil {
			return interdiffMsg{err: fmt.Errorf("patch %d: %w", olderID, err)}
		}
		return interdiffMsg{old: old, cur: cur}
	}
}

func (p *Page) showInterdiff(m interdiffMsg) tea.Cmd {
	if m.err != nil {
		return common.Error(m.err)
	}
	return common.Send(common.OpenTextMsg{
		Title: fmt.Sprintf("changes #%d → #%d", m.old.ID, m.cur.ID),
		Lines: components.Interdiff(p.c.Styles, m.old, m.cur),
	})
}
