package components

import (
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
)

// ConversationLines renders the replies to a cover letter, each with the
// tags it gives the series.
func ConversationLines(c *common.Common, title string, cs []store.Comment, people map[int64]store.Person, tags []store.Tag) []string {
	if len(cs) == 0 {
		return nil
	}
	st := c.Styles
	out := []string{"", st.Section.Render(fmt.Sprintf("%s (%d)", title, len(cs)))}
	for _, cm := range cs {
		head := st.Bold.Render(personName(people[cm.SubmitterID])) + st.Muted.Render(" · "+common.RelTime(c.Now(), cm.Date))
		if t := tagNames(tags, store.CountTags(tags, cm.Content)); t != "" {
			head += " " + st.Label.Render(t)
		}
		out = append(out, "", head)
		for _, l := range TextLines(st, cm.Content) {
			out = append(out, "  "+l)
		}
	}
	return out
}

// tagNames lists counted tags: "Reviewed-by, Tested-by".
func tagNames(tags []store.Tag, counts store.TagCounts) string {
	var names []string
	for _, t := range tags {
		if counts[t.ID] > 0 {
			names = append(names, t.Name)
		}
	}
	return strings.Join(names, ", ")
}

func personName(p store.Person) string {
	s := common.Sanitize(p.Email)
	if p.Name != "" {
		s = common.Sanitize(p.Name) + " <" + s + ">"
	}
	return s
}
