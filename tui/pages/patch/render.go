package patch

import (
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	replypage "github.com/patchwork-go/patchwork/tui/pages/reply"
)

// lines renders the whole patch: headers, tags, checks, series, message,
// diff and the comments in thread order.
func (p *Page) lines() []string {
	d, st, now := p.d, p.c.Styles, p.c.Now()
	pt := d.patch
	p.files, p.hunks, p.comments = nil, nil, nil
	var out []string
	label := func(name, value string) {
		out = append(out, st.Label.Render(fmt.Sprintf("%-10s", name))+" "+value)
	}
	out = append(out, st.Title.Render(common.Sanitize(pt.Name)), "")
	label("From", person(d.people[pt.SubmitterID]))
	label("Date", fmt.Sprintf("%s (%s)", pt.Date.UTC().Format("2006-01-02 15:04 UTC"), common.RelTime(now, pt.Date)))
	label("Message-ID", common.Sanitize(pt.MsgID))
	state := "?"
	if s, ok := store.StateByID(d.states, pt.StateID); ok {
		state = s.Name
		if s.ActionRequired {
			state = st.ActionState.Render(state)
		} else {
			state = st.DoneState.Render(state)
		}
	}
	if pt.Archived {
		state += st.Muted.Render(" (archived)")
	}
	label("State", state)
	deleg := d.row.DelegateUsername
	if deleg == "" {
		deleg = st.Muted.Render("nobody")
	}
	label("Delegate", deleg)
	if pt.CommitRef != "" {
		ref := pt.CommitRef
		if f := d.project.CommitURLFormat; f != "" {
			ref += "  " + st.Link.Render(strings.ReplaceAll(f, "{}", pt.CommitRef))
		}
		label("Commit", ref)
	}
	if pt.PullURL != "" {
		label("Pull", st.Link.Render(common.Sanitize(pt.PullURL)))
	}
	if t := p.tagLine(); t != "" {
		label("Tags", t)
	}
	label("Apply", p.c.ApplyCommand(pt.ID, false)+st.Muted.Render("  (y copies)"))
	if d.series != nil {
		label("Series", p.seriesLine())
		if v := p.versionLine(); v != "" {
			label("Versions", v)
		}
	}
	if len(d.checks) > 0 {
		out = append(out, "", st.Section.Render("Checks"))
		for _, ck := range d.checks {
			line := "  " + p.checkState(ck.State) + " " + common.Sanitize(ck.Context)
			if ck.Description != "" {
				line += ": " + common.Sanitize(ck.Description)
			}
			out = append(out, line)
			if ck.TargetURL != "" {
				out = append(out, "    "+st.Link.Render(common.Sanitize(ck.TargetURL)))
			}
		}
	}
	out = append(out, "", st.Section.Render("Message"))
	out = append(out, components.TextLines(st, pt.Content)...)
	if pt.Diff != "" {
		out = append(out, "", st.Section.Render("Diff"))
		at := len(out)
		out = append(out, components.DiffLines(st, pt.Diff)...)
		for i, l := range strings.Split(strings.TrimRight(pt.Diff, "\n"), "\n") {
			switch {
			case strings.HasPrefix(l, "diff --git"):
				p.files = append(p.files, at+i)
			case strings.HasPrefix(l, "@@"):
				p.hunks = append(p.hunks, at+i)
			}
		}
	}
	if cl := p.commentLines(); len(cl) > 0 {
		p.comments = []int{len(out) + 1}
		out = append(out, cl...)
	}
	if sc := components.ConversationLines(p.c, "Series comments", d.seriesComments, d.seriesPeople, d.tags); len(sc) > 0 {
		p.comments = append(p.comments, len(out)+1)
		out = append(out, sc...)
	}
	out = append(out, replypage.PendingLines(p.c, d.sent)...)
	return out
}

func person(p store.Person) string {
	s := common.Sanitize(p.Email)
	if p.Name != "" {
		s = common.Sanitize(p.Name) + " <" + s + ">"
	}
	return s
}

func (p *Page) tagLine() string {
	var parts []string
	for _, t := range p.d.tags {
		n, cover := p.d.row.Tags[t.ID], p.d.coverTags[t.ID]
		switch {
		case cover > 0:
			parts = append(parts, fmt.Sprintf("%s: %d (%d from the cover letter)", t.Name, n+cover, cover))
		case n > 0:
			parts = append(parts, fmt.Sprintf("%s: %d", t.Name, n))
		}
	}
	return strings.Join(parts, ", ")
}

func (p *Page) checkState(cs store.CheckState) string {
	st := p.c.Styles
	switch cs {
	case store.CheckSuccess:
		return st.CheckOK.Render("[success]")
	case store.CheckWarning:
		return st.CheckWarn.Render("[warning]")
	case store.CheckFail:
		return st.CheckFail.Render("[fail]   ")
	}
	return st.CheckPend.Render("[pending]")
}

// seriesLine shows the series and where this patch sits in it.
func (p *Page) seriesLine() string {
	d, st := p.d, p.c.Styles
	s := fmt.Sprintf("#%d %s v%d, patch %d of %d", d.series.ID, common.Sanitize(d.series.DisplayName()), d.series.Version, d.patch.Number, d.series.Total)
	if !d.series.ReceivedAll() {
		s += st.Muted.Render(fmt.Sprintf(" (%d received)", d.series.ReceivedTotal))
	}
	if prev, next := p.neighbours(); prev != 0 || next != 0 {
		s += st.Muted.Render("  [ ] prev/next")
	}
	return s
}

func (p *Page) versionLine() string {
	var parts []string
	for _, v := range p.d.versions {
		id := "no such patch"
		if v.patchID != 0 {
			id = fmt.Sprintf("#%d", v.patchID)
		}
		parts = append(parts, fmt.Sprintf("v%d %s", v.series.Version, id))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + p.c.Styles.Muted.Render("  < > older/newer")
}

// neighbours are the previous and next patches of the series (0: none).
func (p *Page) neighbours() (prev, next int64) {
	for i, r := range p.d.siblings {
		if r.ID != p.d.patch.ID {
			continue
		}
		if i > 0 {
			prev = p.d.siblings[i-1].ID
		}
		if i+1 < len(p.d.siblings) {
			next = p.d.siblings[i+1].ID
		}
	}
	return prev, next
}
