package components

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Pager scrolls through lines of styled text and searches them. Nothing
// on a line is ever hidden without a marker: long lines wrap, with a
// continuation marker, or (w toggles) are cut at the edges with an arrow
// where text goes on, and scroll sideways (h, l, ←, →). `/` reads a word
// (↑ and ↓ walk the words searched before), its matches are highlighted
// and n/p move between them. Owners may mark lines (files, hunks, the
// comments) to jump to.
type Pager struct {
	c       *common.Common
	w, h    int // the text area (h excludes the bar)
	lines   []string
	plain   []string // lines without styling, lower case, for searching
	widest  int      // the widest line's cells
	wrap    bool
	x       int     // sideways scroll (no wrap)
	top     int     // first visual line on screen
	rows    []vline // the visual lines at width w
	first   []int   // logical line → its first visual line
	builtAt [2]int  // width and wrap rows were built for (-1: never)
	marks   map[Mark][]int
	// Search.
	searching bool
	input     Input
	history   []string
	hist      int // index into history while browsing it
	term      string
	matches   []int // logical lines
	match     int
}

// vline is one screen line: a piece of a logical line.
type vline struct {
	line     int
	from, to int // cells of the logical line
}

// Mark names a kind of line to jump to.
type Mark int

// The kinds of marked lines.
const (
	MarkFile Mark = iota
	MarkHunk
	MarkComments
)

// contMarker starts a wrapped line's continuation; moreRight and
// moreLeft stand where a cut line goes on.
const (
	contMarker = "→"
	moreRight  = "→"
	moreLeft   = "←"
)

// NewPager returns an empty pager, wrapping long lines.
func NewPager(c *common.Common) *Pager {
	return &Pager{c: c, w: 80, h: 24, wrap: true, input: Input{Prompt: "/", Cursor: c.Styles.DialogCursor}, builtAt: [2]int{-1, -1}}
}

// SetWrap sets whether long lines wrap (else they are cut and scroll
// sideways).
func (p *Pager) SetWrap(on bool) { p.wrap = on; p.x = 0 }

// Wrap reports whether long lines wrap.
func (p *Pager) Wrap() bool { return p.wrap }

// SetSize sets the area the pager draws in.
func (p *Pager) SetSize(w, h int) {
	p.w, p.h = max(w, 1), max(h-1, 1) // one line for the search/position bar
}

// SetLines replaces the text, keeping the scroll position where possible.
// Tabs become spaces and a line holding line breaks becomes several.
func (p *Pager) SetLines(lines []string) {
	at := p.topLine()
	var out []string
	for _, l := range lines {
		if strings.ContainsAny(l, "\t\r\n") {
			l = strings.ReplaceAll(strings.ReplaceAll(l, "\r", ""), "\t", "        ")
			out = append(out, strings.Split(l, "\n")...)
			continue
		}
		out = append(out, l)
	}
	p.lines = out
	p.plain = make([]string, len(out))
	p.widest = 0
	for i, l := range out {
		p.plain[i] = strings.ToLower(ansi.Strip(l))
		p.widest = max(p.widest, common.Width(l))
	}
	p.marks = nil
	p.builtAt = [2]int{-1, -1}
	p.find()
	p.ScrollTo(at)
}

// SetMarks marks the lines (indices into SetLines' lines) of a kind.
func (p *Pager) SetMarks(m Mark, lines []int) {
	if p.marks == nil {
		p.marks = map[Mark][]int{}
	}
	p.marks[m] = lines
}

// build lays the lines out at the current width.
func (p *Pager) build() {
	if p.builtAt == [2]int{p.w, boolInt(p.wrap)} {
		return
	}
	p.builtAt = [2]int{p.w, boolInt(p.wrap)}
	p.rows = p.rows[:0]
	p.first = make([]int, len(p.lines))
	for i, l := range p.lines {
		p.first[i] = len(p.rows)
		n := common.Width(l)
		if !p.wrap || n <= p.w {
			p.rows = append(p.rows, vline{line: i, from: 0, to: n})
			continue
		}
		// The first piece takes the width, the others one cell less
		// for the marker.
		from := 0
		for from < n {
			room := max(p.w, 1)
			if from > 0 {
				room = max(p.w-1, 1)
			}
			to := min(from+room, n)
			p.rows = append(p.rows, vline{line: i, from: from, to: to})
			from = to
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// GotoTop scrolls to the start.
func (p *Pager) GotoTop() { p.top = 0 }

// YOffset is the first visible (logical) line.
func (p *Pager) YOffset() int { return p.topLine() }

// ScrollTo shows logical line n at the top.
func (p *Pager) ScrollTo(n int) {
	p.build()
	if n <= 0 || len(p.first) == 0 {
		p.top = 0
		return
	}
	p.top = p.first[min(n, len(p.first)-1)]
	p.clamp()
}

// topLine is the logical line at the top of the screen.
func (p *Pager) topLine() int {
	if p.top < len(p.rows) {
		return p.rows[p.top].line
	}
	return 0
}

func (p *Pager) scroll(n int) {
	p.build()
	p.top += n
	p.clamp()
}

func (p *Pager) clamp() { p.top = max(min(p.top, len(p.rows)-p.h), 0) }

// Capturing reports whether the pager is reading a search word.
func (p *Pager) Capturing() bool { return p.searching }

// Update handles scrolling and search keys; it reports whether it used msg.
func (p *Pager) Update(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			p.scroll(3)
		case tea.MouseWheelUp:
			p.scroll(-3)
		case tea.MouseWheelRight:
			p.sideways(6)
		case tea.MouseWheelLeft:
			p.sideways(-6)
		}
		return true
	case tea.KeyPressMsg:
		if p.searching {
			p.searchKey(msg)
			return true
		}
		k := p.c.Keys
		switch {
		case key.Matches(msg, k.Down):
			p.scroll(1)
		case key.Matches(msg, k.Up):
			p.scroll(-1)
		case key.Matches(msg, k.HalfDown):
			p.scroll(p.h / 2)
		case key.Matches(msg, k.HalfUp):
			p.scroll(-p.h / 2)
		case key.Matches(msg, k.PageDown):
			p.scroll(p.h)
		case key.Matches(msg, k.PageUp):
			p.scroll(-p.h)
		case key.Matches(msg, k.Top):
			p.top = 0
		case key.Matches(msg, k.Bottom):
			p.scroll(len(p.rows) + len(p.lines))
		case key.Matches(msg, k.Wrap):
			at := p.topLine()
			p.SetWrap(!p.wrap)
			p.ScrollTo(at)
		case key.Matches(msg, k.Left):
			p.sideways(-8)
		case key.Matches(msg, k.Right):
			p.sideways(8)
		case key.Matches(msg, k.Search):
			p.searching = true
			p.input.SetValue("")
			p.hist = len(p.history)
		case key.Matches(msg, k.NextMatch):
			p.jump(1)
		case key.Matches(msg, k.PrevMatch):
			p.jump(-1)
		case key.Matches(msg, k.NextFile):
			return p.jumpMark(MarkFile, 1)
		case key.Matches(msg, k.PrevFile):
			return p.jumpMark(MarkFile, -1)
		case key.Matches(msg, k.NextHunk):
			return p.jumpMark(MarkHunk, 1)
		case key.Matches(msg, k.PrevHunk):
			return p.jumpMark(MarkHunk, -1)
		case key.Matches(msg, k.Comments):
			return p.jumpMark(MarkComments, 1)
		default:
			return false
		}
		return true
	}
	return false
}

// sideways scrolls cut lines by n cells (nothing to do while wrapping).
func (p *Pager) sideways(n int) {
	if p.wrap {
		return
	}
	p.x = max(min(p.x+n, p.widest-p.w+1), 0)
}

func (p *Pager) searchKey(msg tea.KeyPressMsg) {
	switch msg.String() {
	case "enter":
		p.searching = false
		p.term = strings.ToLower(strings.TrimSpace(p.input.Value()))
		if p.term != "" {
			p.history = append(slices.DeleteFunc(p.history, func(h string) bool { return h == p.term }), p.term)
		}
		p.find()
		p.jump(0)
	case "esc":
		p.searching = false
	case "up":
		if p.hist > 0 {
			p.hist--
			p.input.SetValue(p.history[p.hist])
		}
	case "down":
		if p.hist < len(p.history) {
			p.hist++
			v := ""
			if p.hist < len(p.history) {
				v = p.history[p.hist]
			}
			p.input.SetValue(v)
		}
	default:
		p.input.Update(msg)
	}
}

func (p *Pager) find() {
	p.matches = p.matches[:0]
	if p.term == "" {
		return
	}
	for i, l := range p.plain {
		if strings.Contains(l, p.term) {
			p.matches = append(p.matches, i)
		}
	}
}

// jump moves to the next (dir 1), previous (-1) or first match at or after
// the top line (0).
func (p *Pager) jump(dir int) {
	if len(p.matches) == 0 {
		return
	}
	top := p.topLine()
	switch dir {
	case 0, 1:
		p.match = 0
		for i, m := range p.matches {
			if m > top || (dir == 0 && m == top) {
				p.match = i
				break
			}
		}
	case -1:
		p.match = len(p.matches) - 1
		for i := len(p.matches) - 1; i >= 0; i-- {
			if p.matches[i] < top {
				p.match = i
				break
			}
		}
	}
	p.ScrollTo(p.matches[p.match])
	p.showMatch()
}

// showMatch scrolls a cut line sideways so that the match shows.
func (p *Pager) showMatch() {
	if p.wrap || len(p.matches) == 0 {
		return
	}
	l := p.plain[p.matches[p.match]]
	i := strings.Index(l, p.term)
	if i < 0 {
		return
	}
	from := ansi.StringWidth(l[:i])
	to := from + ansi.StringWidth(p.term)
	if from < p.x || to > p.x+p.w-1 {
		p.x = max(from-p.w/4, 0)
	}
}

// jumpMark moves to the next (dir 1) or previous (-1) marked line of a
// kind; it reports false when the text has none.
func (p *Pager) jumpMark(m Mark, dir int) bool {
	lines := p.marks[m]
	if len(lines) == 0 {
		return false
	}
	top := p.topLine()
	if dir > 0 {
		for _, l := range lines {
			if l > top {
				p.ScrollTo(l)
				return true
			}
		}
		return true
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i] < top {
			p.ScrollTo(lines[i])
			return true
		}
	}
	return true
}

// View draws the text and, below it, the search input or the position.
func (p *Pager) View() string {
	st := p.c.Styles
	var bar string
	switch {
	case p.searching:
		bar = p.input.View()
		if len(p.history) > 0 {
			bar += st.Muted.Render("  ↑ earlier searches")
		}
	case p.term != "" && len(p.matches) == 0:
		bar = st.Error.Render(fmt.Sprintf("no match for %q", p.term))
	case p.term != "":
		bar = st.Muted.Render(fmt.Sprintf("%q: match %d of %d · n/p", p.term, p.match+1, len(p.matches)))
	default:
		bar = st.Muted.Render(fmt.Sprintf("line %d of %d", min(p.topLine()+1, len(p.lines)), len(p.lines)))
		if p.x > 0 {
			bar += st.Muted.Render(fmt.Sprintf(" · column %d", p.x+1))
		}
	}
	return p.body() + "\n" + bar
}

// body draws the visual lines on screen (not padded: the pages pad).
func (p *Pager) body() string {
	p.build()
	p.clamp()
	st := p.c.Styles
	var b strings.Builder
	for i := p.top; i < p.top+p.h; i++ {
		if i > p.top {
			b.WriteByte('\n')
		}
		if i >= len(p.rows) {
			continue
		}
		r := p.rows[i]
		l := p.highlight(r.line)
		switch {
		case p.wrap && r.from > 0:
			b.WriteString(st.Muted.Render(contMarker) + leadingSGR(p.lines[r.line]) + ansi.Cut(l, r.from, r.to))
		case p.wrap:
			if r.to < common.Width(p.lines[r.line]) {
				l = ansi.Cut(l, 0, r.to)
			}
			b.WriteString(l)
		default:
			b.WriteString(p.cut(l, r.to))
		}
	}
	return b.String()
}

// cut is line l (n cells) at the sideways offset, with arrows where text
// goes on beyond an edge.
func (p *Pager) cut(l string, n int) string {
	st := p.c.Styles
	if p.x == 0 && n <= p.w {
		return l
	}
	left, right := p.x, p.x+p.w
	var b strings.Builder
	if left > 0 && n > 0 {
		b.WriteString(st.Muted.Render(moreLeft))
		left++
	}
	if right < n {
		right--
	}
	if left < right && left < n {
		b.WriteString(leadingSGR(l))
		b.WriteString(ansi.Cut(l, left, min(right, n)))
		b.WriteString("\x1b[m")
	}
	if p.x+p.w < n {
		b.WriteString(st.Muted.Render(moreRight))
	}
	return b.String()
}

// highlight is logical line i with the search term's matches in the
// SearchMatch style.
func (p *Pager) highlight(i int) string {
	l := p.lines[i]
	if p.term == "" || !strings.Contains(p.plain[i], p.term) {
		return l
	}
	st := p.c.Styles
	plain, lead := p.plain[i], leadingSGR(l)
	n := common.Width(l)
	var b strings.Builder
	at, cell := 0, 0 // byte in plain, cell in the line
	for {
		j := strings.Index(plain[at:], p.term)
		if j < 0 {
			break
		}
		from := cell + ansi.StringWidth(plain[at:at+j])
		to := from + ansi.StringWidth(p.term)
		if cell == 0 {
			b.WriteString(ansi.Cut(l, 0, from))
		} else {
			b.WriteString(lead + ansi.Cut(l, cell, from))
		}
		b.WriteString("\x1b[m" + st.SearchMatch.Render(ansi.Cut(ansi.Strip(l), from, to)))
		at, cell = at+j+len(p.term), to
	}
	if cell < n {
		b.WriteString(lead + ansi.Cut(l, cell, n))
	}
	return b.String()
}

// leadingSGR is the style sequence a line starts with ("" for none): the
// lines are styled whole, so a piece cut from the middle gets it again.
func leadingSGR(l string) string {
	if !strings.HasPrefix(l, "\x1b[") {
		return ""
	}
	if i := strings.IndexByte(l, 'm'); i > 0 && !strings.ContainsAny(l[2:i], "\x1b") {
		return l[:i+1]
	}
	return ""
}
