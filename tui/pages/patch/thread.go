package patch

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// commentLines renders the comments as a thread: each reply under the mail
// it answers (In-Reply-To), indented by depth, siblings by date.
func (p *Page) commentLines() []string {
	d, st := p.d, p.c.Styles
	if len(d.comments) == 0 {
		return nil
	}
	byMsgID := map[string]int{}
	for i, cm := range d.comments {
		byMsgID[cm.MsgID] = i
	}
	children := map[int][]int{} // parent index (-1: the patch) → comments
	for i, cm := range d.comments {
		parent := -1
		if j, ok := byMsgID[inReplyTo(cm.Headers)]; ok && j != i {
			parent = j
		}
		children[parent] = append(children[parent], i)
	}
	out := []string{"", st.Section.Render(fmt.Sprintf("Comments (%d)", len(d.comments)))}
	seen := map[int]bool{}
	var walk func(parent, depth int)
	walk = func(parent, depth int) {
		for _, i := range children[parent] {
			if seen[i] {
				continue // a reply loop in hostile headers
			}
			seen[i] = true
			cm := d.comments[i]
			indent := strings.Repeat("  ", min(depth, 6))
			out = append(out, "", indent+st.Bold.Render(person(d.people[cm.SubmitterID]))+
				st.Muted.Render(" · "+common.RelTime(p.c.Now(), cm.Date)))
			for _, l := range components.TextLines(st, cm.Content) {
				out = append(out, indent+"  "+l)
			}
			walk(i, depth+1)
		}
	}
	walk(-1, 0)
	// Comments whose parent chain loops back never hang off the root.
	for i := range d.comments {
		if !seen[i] {
			children[-2] = append(children[-2], i)
		}
	}
	walk(-2, 0)
	return out
}

// inReplyTo reads the In-Reply-To header of a stored header block.
func inReplyTo(headers string) string {
	sc := bufio.NewScanner(strings.NewReader(headers))
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 12 && strings.EqualFold(line[:12], "in-reply-to:") {
			v := strings.TrimSpace(line[12:])
			if i := strings.Index(v, "<"); i >= 0 {
				if j := strings.Index(v[i:], ">"); j >= 0 {
					return v[i : i+j+1]
				}
			}
			return v
		}
	}
	return ""
}
