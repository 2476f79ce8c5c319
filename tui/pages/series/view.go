package series

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// View implements common.Page: the header, the patch table, then the
// cover letter in the rest of the screen.
func (p *Page) View() string {
	w, h := p.c.Width, p.c.Height
	if p.actions.Active() {
		return p.actions.View(w, h)
	}
	st := p.c.Styles
	if p.d == nil {
		msg := "loading…"
		if p.err != nil {
			msg = common.Describe(p.err)
		}
		return common.PadLines(st.Muted.Render("  "+msg), w, h)
	}
	head := p.headerLines()
	// The table gets at most half of what is left; the cover the rest.
	room := h - len(head)
	tableRows := min(len(p.d.patches), max(room/2-1, 1))
	table := p.table(tableRows)
	coverH := room - tableRows - 2
	parts := append(head, table)
	if coverH >= 2 {
		p.cover.SetSize(w, coverH)
		parts = append(parts, st.Section.Render(p.coverTitle()), p.cover.View())
	}
	return common.PadLines(strings.Join(parts, "\n"), w, h)
}

func (p *Page) headerLines() []string {
	d, st := p.d, p.c.Styles
	s := d.series
	label := func(name, value string) string {
		return st.Label.Render(fmt.Sprintf("%-9s", name)) + " " + value
	}
	got := fmt.Sprintf("%d of %d received", s.ReceivedTotal, s.Total)
	if !s.ReceivedAll() {
		got = st.ActionState.Render(got)
	}
	out := []string{
		st.Title.Render(common.Sanitize(s.DisplayName())),
		label("From", person(d.submitter)+st.Muted.Render(" · "+s.Date.UTC().Format("2006-01-02 15:04")+" ("+common.RelTime(p.c.Now(), s.Date)+")")),
		label("Patches", got+p.markInfo()),
		label("Versions", p.versionLine()),
		label("Apply", p.c.ApplyCommand(s.ID, true)+st.Muted.Render("  (y copies)")),
	}
	if len(d.deps) > 0 {
		ids := make([]string, len(d.deps))
		for i, id := range d.deps {
			ids[i] = "#" + strconv.FormatInt(id, 10)
		}
		out = append(out, label("Depends", "series "+strings.Join(ids, ", ")))
	}
	return out
}

func (p *Page) markInfo() string {
	if len(p.marks) == 0 {
		return p.c.Styles.Muted.Render(" · actions apply to the whole series")
	}
	return p.c.Styles.Marked.Render(fmt.Sprintf(" · %d marked", len(p.marks)))
}

// versionLine shows the chain v1 → v2 → v3 with this one highlighted.
func (p *Page) versionLine() string {
	st := p.c.Styles
	parts := make([]string, len(p.d.versions))
	for i, v := range p.d.versions {
		s := fmt.Sprintf("v%d #%d", v.Version, v.ID)
		if v.ID == p.d.series.ID {
			s = st.Bold.Render("[" + s + "]")
		}
		parts[i] = s
	}
	line := strings.Join(parts, " → ")
	if len(p.d.versions) > 1 {
		line += st.Muted.Render("  < > switch · = changes")
	}
	return line
}

func (p *Page) table(n int) string {
	st := p.c.Styles
	tagTitle := "A/R/T"
	var shown []store.Tag
	for _, t := range p.d.tags {
		if t.ShowColumn {
			shown = append(shown, t)
		}
	}
	if len(shown) > 0 {
		ab := make([]string, len(shown))
		for i, t := range shown {
			ab[i] = t.Abbrev
		}
		tagTitle = strings.Join(ab, "/")
	}
	t := components.Table{
		Columns: []components.Column{
			{Width: 1}, {Title: "#", Width: 3, Right: true}, {Title: "ID", Width: 6, Right: true}, {Title: "Patch"},
			{Title: "State", Width: 12}, {Title: tagTitle, Width: max(len(tagTitle), 5)}, {Title: "S/W/F", Width: 5},
		},
		Header: st.ColHeader, Cursor: st.Cursor,
	}
	top := 0
	if p.cursor >= n {
		top = p.cursor - n + 1
	}
	var rows [][]string
	for i := top; i < len(p.d.patches) && i < top+n; i++ {
		r := p.d.patches[i]
		mark := " "
		if p.marks[r.ID] {
			mark = st.Marked.Render("*")
		}
		state := ""
		if s, ok := store.StateByID(p.d.states, r.StateID); ok {
			state = st.DoneState.Render(s.Name)
			if s.ActionRequired {
				state = st.ActionState.Render(s.Name)
			}
		}
		if r.Archived {
			state += st.Muted.Render(" (a)")
		}
		tags := make([]string, len(shown))
		for i, tg := range shown {
			// The cover letter's trailers are for every patch.
			tags[i] = count(r.Tags[tg.ID] + p.d.coverTags[tg.ID])
		}
		c := r.Checks
		checks := ""
		if c.Total() > 0 {
			checks = st.CheckOK.Render(count(c.Success)) + " " + st.CheckWarn.Render(count(c.Warning)) + " " + st.CheckFail.Render(count(c.Fail))
		}
		rows = append(rows, []string{mark, strconv.Itoa(r.Number), strconv.FormatInt(r.ID, 10),
			common.Sanitize(r.Name), state, strings.Join(tags, " "), checks})
	}
	out := t.Render(p.c.Width, rows, p.cursor-top)
	if len(p.d.patches) == 0 {
		out += "\n" + st.Muted.Render("  no patches received yet")
	}
	return out
}

func (p *Page) coverTitle() string {
	if p.d.cover == nil {
		return "No cover letter"
	}
	return "Cover letter"
}

func (p *Page) coverLines() []string {
	cv := p.d.cover
	if cv == nil {
		return nil
	}
	st := p.c.Styles
	out := []string{st.Bold.Render(common.Sanitize(cv.Name)), ""}
	out = append(out, components.TextLines(st, cv.Content)...)
	out = append(out, components.ConversationLines(p.c, "Replies to the cover letter", p.d.coverComments, p.d.people, p.d.tags)...)
	return append(out, replypage.PendingLines(p.c, p.d.sent)...)
}

func count(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func person(p store.Person) string {
	s := common.Sanitize(p.Email)
	if p.Name != "" {
		s = common.Sanitize(p.Name) + " <" + s + ">"
	}
	return s
}
