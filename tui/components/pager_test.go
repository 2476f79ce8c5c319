package components

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// TestPagerBodyIsViewport: the pager draws its lines itself instead of
// through viewport.View; once the page pads the result (PadLines, as
// every page does), the frame must be the viewport's, at every scroll
// position, for short and long lines, styled text, wide characters, and
// text scrolled sideways.
func TestPagerBodyIsViewport(t *testing.T) {
	st := styles.New(true)
	c := &common.Common{Styles: st, Keys: keymap.Default()}
	var lines []string
	lines = append(lines, st.Title.Render("[PATCH v2 1/2] unix: loop fix"), "")
	lines = append(lines, st.Label.Render(fmt.Sprintf("%-10s", "From"))+" Jane Dev <jane@example.org>")
	lines = append(lines, TextLines(st, "Fix the loop.\n\nA much longer line of the commit message that goes well past the width of a narrow terminal window.\nvoilà: 日本語のテキスト and an emoji 🎉 here\n")...)
	lines = append(lines, DiffLines(st, "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-\tint r;\n+\tint r = 0; /* a comment long enough to need cutting at forty columns */\n")...)
	for i := range 30 {
		lines = append(lines, fmt.Sprintf("line %d %s", i, strings.Repeat("x", i*3)))
	}
	sets := map[string][]string{"patch": lines, "short": lines[:3], "none": nil}
	for name, text := range sets {
		for _, size := range [][2]int{{100, 30}, {40, 10}, {20, 5}, {80, 3}} {
			w, h := size[0], size[1]
			p := NewPager(c)
			p.SetSize(w, h)
			p.SetLines(text)
			check := func(where string) {
				t.Helper()
				got := common.PadLines(p.body(), w, h-1)
				want := common.PadLines(p.vp.View(), w, h-1)
				if got != want {
					t.Errorf("%s %dx%d %s:\ngot  %q\nwant %q", name, w, h, where, got, want)
				}
			}
			for off := 0; off <= len(text)+2; off++ {
				p.ScrollTo(off)
				check(fmt.Sprintf("at line %d", off))
			}
			p.ScrollTo(0)
			for range 3 {
				p.Update(tea.MouseWheelMsg{Button: tea.MouseWheelRight})
				check(fmt.Sprintf("scrolled right to %d", p.vp.XOffset()))
			}
			if name == "patch" && w == 40 && p.vp.XOffset() == 0 {
				t.Error("the wheel did not scroll the text sideways: that case went untested")
			}
		}
	}
}
