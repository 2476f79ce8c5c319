package components

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/styles"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func testPager(w, h int, lines []string) *Pager {
	st := styles.New(true)
	p := NewPager(&common.Common{Styles: st, Keys: keymap.Default()})
	p.SetSize(w, h)
	p.SetLines(lines)
	return p
}

// longDiff is a diff line of 90 cells whose end matters.
var longDiff = `+	LoadLibraryW(L"api-ms-win-core-file-l2-1-4.dll api-ms-win-core-file-l2-1-4.dll");`

func screenLines(p *Pager) []string {
	return strings.Split(ansi.Strip(p.body()), "\n")
}

// TestPagerWrap: a line wider than the pager wraps; every piece after
// the first starts with the continuation marker, and the pieces hold the
// whole line.
func TestPagerWrap(t *testing.T) {
	st := styles.New(true)
	line := DiffLines(st, longDiff)[0]
	p := testPager(40, 10, []string{"short", line, "after"})
	rows := screenLines(p)
	if rows[0] != "short" || !strings.HasPrefix(rows[2], contMarker) || !strings.HasPrefix(rows[3], contMarker) {
		t.Fatalf("want the long line on rows 1-3, continued with %q:\n%s", contMarker, strings.Join(rows, "\n"))
	}
	joined := rows[1] + strings.TrimPrefix(rows[2], contMarker) + strings.TrimPrefix(rows[3], contMarker)
	if joined != ansi.Strip(line) || rows[4] != "after" {
		t.Fatalf("the pieces hold %q, want %q", joined, ansi.Strip(line))
	}
	for _, r := range rows {
		if w := ansi.StringWidth(r); w > 40 {
			t.Errorf("row of %d cells in 40: %q", w, r)
		}
	}
	// The continuation keeps the line's colour.
	if body := p.body(); strings.Count(body, "\x1b[32m") < 3 {
		t.Errorf("the wrapped pieces lost the added line's colour: %q", body)
	}
}

// TestPagerNoWrapMarkers: with wrap off (w), a cut line ends in an arrow
// where it goes on, and scrolling sideways (l, →) shows the rest with an
// arrow on the left; no cell of text is ever hidden without one.
func TestPagerNoWrapMarkers(t *testing.T) {
	st := styles.New(true)
	lines := []string{"short", DiffLines(st, longDiff)[0]}
	p := testPager(40, 10, lines)
	p.Update(press("w"))
	if p.Wrap() {
		t.Fatal("w did not turn wrapping off")
	}
	full := ansi.Strip(lines[1])
	seen := map[int]bool{}
	for step := 0; step < 20; step++ {
		rows := screenLines(p)
		r := rows[1]
		if ansi.StringWidth(r) > 40 {
			t.Fatalf("row of %d cells: %q", ansi.StringWidth(r), r)
		}
		left, right := strings.HasPrefix(r, moreLeft), strings.HasSuffix(r, moreRight)
		text := strings.TrimSuffix(strings.TrimPrefix(r, moreLeft), moreRight)
		from := p.x
		if left {
			from++
		}
		if !strings.HasPrefix(full[from:], text) {
			t.Fatalf("at column %d the row shows %q, not the line's text there", p.x, r)
		}
		for i := from; i < from+len(text); i++ {
			seen[i] = true
		}
		if (from > 0) != left || (from+len(text) < len(full)) != right {
			t.Fatalf("at column %d: text hidden without a marker: %q (left %v right %v)", p.x, r, left, right)
		}
		// Scrolled past its end, the short line is all hidden: an arrow.
		if (p.x == 0 && rows[0] != "short") || (p.x > 0 && rows[0] != moreLeft) {
			t.Fatalf("short line at column %d: %q", p.x, rows[0])
		}
		p.Update(press("right"))
	}
	if len(seen) != len(full) {
		t.Errorf("scrolling sideways showed %d of the line's %d cells", len(seen), len(full))
	}
	p.Update(press("h"))
	if p.x == 0 {
		t.Error("h did not scroll back")
	}
}

// TestPagerSearch: `/` starts empty, ↑ brings back the last word, the
// matches are highlighted, n and p move between them.
func TestPagerSearch(t *testing.T) {
	st := styles.New(true)
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	lines[5], lines[25] = "a fd hash here", DiffLines(st, "+ the fd hash again")[0]
	p := testPager(60, 10, lines)
	search := func(keys ...string) {
		p.Update(press("/"))
		if v := p.input.Value(); v != "" {
			t.Fatalf("the prompt starts with %q", v)
		}
		for _, k := range keys {
			p.Update(press(k))
		}
		p.Update(press("enter"))
	}
	search("h", "a", "s", "h")
	if p.topLine() != 5 {
		t.Fatalf("first match at line %d, want 5", p.topLine())
	}
	match := st.SearchMatch.Render("hash")
	if body := p.body(); !strings.Contains(body, match) {
		t.Fatalf("the match is not highlighted: %q", body)
	}
	p.Update(press("n"))
	if p.topLine() != 25 {
		t.Fatalf("n: at line %d, want 25", p.topLine())
	}
	if body := p.body(); !strings.Contains(body, match) || !strings.Contains(body, "\x1b[32m") {
		t.Fatalf("the match in the added line is not highlighted, or the line lost its colour: %q", body)
	}
	p.Update(press("p"))
	if p.topLine() != 5 {
		t.Fatalf("p: at line %d, want 5", p.topLine())
	}
	search("up")
	if p.term != "hash" {
		t.Fatalf("↑ brought back %q, want hash", p.term)
	}
}

// TestPagerMarks: } and { walk the marked files, ) and ( the hunks, m
// goes to the comments.
func TestPagerMarks(t *testing.T) {
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = fmt.Sprint("line ", i)
	}
	p := testPager(60, 10, lines)
	p.SetMarks(MarkFile, []int{10, 50})
	p.SetMarks(MarkHunk, []int{12, 30, 52})
	p.SetMarks(MarkComments, []int{80})
	for _, step := range []struct {
		key  string
		want int
	}{{"}", 10}, {")", 12}, {")", 30}, {"}", 50}, {"(", 30}, {"{", 10}, {"m", 80}} {
		if !p.Update(press(step.key)) {
			t.Fatalf("%s: not handled", step.key)
		}
		if got := p.topLine(); got != step.want {
			t.Fatalf("%s: at line %d, want %d", step.key, got, step.want)
		}
	}
}
