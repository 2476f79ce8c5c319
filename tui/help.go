package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// helpLines lists every binding, grouped, with the query language.
func (m *Model) helpLines() []string {
	st, k := m.c.Styles, m.c.Keys
	groups := []struct {
		title string
		keys  []key.Binding
	}{
		{"Moving (a count first repeats: 5j)", k.Movement()},
		{"Going places", k.Navigation()},
		{"Acting on patches (marked ones in this list, else the cursor's)", k.Actions()},
		{"One-key states (lists, patch and series views)", k.StateBindings()},
		{"Patch and series views", k.Views()},
		{"Reading a patch (pager)", k.Reading()},
		{"Reviewing by mail (patch and series views; the series' cover letter from the series view)", k.Review()},
		{"Bundle list", k.BundleKeys()},
	}
	var out []string
	if m.c.User == nil {
		out = append(out, st.Section.Render("This session is read-only"),
			"  Log in with a registered SSH key to mark and change patches, keep a",
			"  to-do list and bundles (ssh <host> register --email ADDR);",
			"  the keys for that are not shown here.", "")
	}
	for _, g := range groups {
		var lines []string
		for _, b := range g.keys {
			if !b.Enabled() {
				continue
			}
			h := b.Help()
			lines = append(lines, "  "+st.HelpKey.Render(pad(h.Key, 10))+" "+h.Desc)
		}
		if len(lines) > 0 {
			out = append(out, st.Section.Render(g.title))
			out = append(append(out, lines...), "")
		}
	}
	out = append(out, st.Section.Render("Search (/) in lists: the query language"),
		"  words              the name contains them; \"quoted phrase\"",
		"  state:new,accepted state slug or name (any of)",
		"  from:addr          submitter name or e-mail contains addr",
		"  delegate:me        also delegate:none, delegate:USERNAME",
		"  series:123 id:45   series or patch ids",
		"  is:archived        also is:pull, is:action-required, is:committed, is:active",
		"  has:reviewed-by    a tag (acked-by, tested-by...) or has:commit-ref",
		"  check:fail         pending, success, warning, fail",
		"  file:src/*.c       the diff touches a matching path",
		"  date:>2026-01-01   >, >=, <, <=, = on the UTC day",
		"  -term              negates any term: -state:accepted -wip",
		"",
		st.Section.Render("Search (/) in patch and text views"),
		"  a word (empty prompt; ↑ brings back earlier ones); matches are",
		"  highlighted, n and p jump between them",
	)
	return out
}

func pad(s string, n int) string {
	w := ansi.StringWidth(s)
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
