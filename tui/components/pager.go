package components

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Pager scrolls through lines of styled text and searches them: `/` reads
// a word, n/N jump between the lines that contain it.
type Pager struct {
	c         *common.Common
	vp        viewport.Model
	lines     []string
	plain     []string // lines without styling, for searching
	widest    int      // the widest line's cells
	odd       bool     // some line holds a tab, CR or LF: draw with the viewport
	searching bool
	input     Input
	term      string
	matches   []int
	match     int
}

// NewPager returns an empty pager.
func NewPager(c *common.Common) *Pager {
	vp := viewport.New()
	// Our key map drives scrolling; the viewport's own keys stay unused.
	vp.KeyMap = viewport.KeyMap{}
	vp.MouseWheelEnabled = true
	vp.MouseWheelDelta = 3
	return &Pager{c: c, vp: vp, input: Input{Prompt: "/", Cursor: c.Styles.DialogCursor}}
}

// SetSize sets the area the pager draws in.
func (p *Pager) SetSize(w, h int) {
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(h-1, 1)) // one line for the search/position bar
}

// SetLines replaces the text, keeping the scroll position where possible.
func (p *Pager) SetLines(lines []string) {
	off := p.vp.YOffset()
	p.lines = lines
	p.plain = make([]string, len(lines))
	p.widest, p.odd = 0, false
	for i, l := range lines {
		p.plain[i] = strings.ToLower(ansi.Strip(l))
		p.widest = max(p.widest, common.Width(l))
		p.odd = p.odd || strings.ContainsAny(l, "\t\r\n")
	}
	p.vp.SetContentLines(lines)
	p.vp.SetYOffset(off)
	p.find()
}

// GotoTop scrolls to the start.
func (p *Pager) GotoTop() { p.vp.GotoTop() }

// YOffset is the first visible line.
func (p *Pager) YOffset() int { return p.vp.YOffset() }

// ScrollTo shows line n at the top.
func (p *Pager) ScrollTo(n int) { p.vp.SetYOffset(n) }

// Capturing reports whether the pager is reading a search word.
func (p *Pager) Capturing() bool { return p.searching }

// Update handles scrolling and search keys; it reports whether it used msg.
func (p *Pager) Update(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		p.vp, _ = p.vp.Update(msg)
		return true
	case tea.KeyPressMsg:
		if p.searching {
			switch msg.String() {
			case "enter":
				p.searching = false
				p.term = strings.ToLower(strings.TrimSpace(p.input.Value()))
				p.find()
				p.jump(0)
			case "esc":
				p.searching = false
			default:
				p.input.Update(msg)
			}
			return true
		}
		k := p.c.Keys
		switch {
		case key.Matches(msg, k.Down):
			p.vp.ScrollDown(1)
		case key.Matches(msg, k.Up):
			p.vp.ScrollUp(1)
		case key.Matches(msg, k.HalfDown):
			p.vp.HalfPageDown()
		case key.Matches(msg, k.HalfUp):
			p.vp.HalfPageUp()
		case key.Matches(msg, k.PageDown):
			p.vp.PageDown()
		case key.Matches(msg, k.PageUp):
			p.vp.PageUp()
		case key.Matches(msg, k.Top):
			p.vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			p.vp.GotoBottom()
		case key.Matches(msg, k.Search):
			p.searching = true
			p.input.SetValue(p.term)
		case key.Matches(msg, k.NextMatch):
			p.jump(1)
		case key.Matches(msg, k.PrevMatch):
			p.jump(-1)
		default:
			return false
		}
		return true
	}
	return false
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
	top := p.vp.YOffset()
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
	p.vp.SetYOffset(p.matches[p.match])
}

// View draws the text and, below it, the search input or the position.
func (p *Pager) View() string {
	st := p.c.Styles
	var bar string
	switch {
	case p.searching:
		bar = p.input.View()
	case p.term != "" && len(p.matches) == 0:
		bar = st.Error.Render(fmt.Sprintf("no match for %q", p.term))
	case p.term != "":
		bar = st.Muted.Render(fmt.Sprintf("%q: match %d of %d · n/N", p.term, p.match+1, len(p.matches)))
	default:
		bar = st.Muted.Render(fmt.Sprintf("line %d of %d", min(p.vp.YOffset()+1, len(p.lines)), len(p.lines)))
	}
	return p.body() + "\n" + bar
}

// body is the viewport's lines as viewport.View draws them (cut to the
// width at the horizontal offset when any line is wider or the text is
// scrolled sideways, as many lines as its height), less the
// padding to the width, which the pages' PadLines adds anyway. The
// viewport pads with a lipgloss style, which measures, wraps and pads
// every line on each frame: a tenth of the frames' drawing cost.
// Text with tabs or line breaks inside lines, which lipgloss expands or
// splits, is left to the viewport.
func (p *Pager) body() string {
	w, h := p.vp.Width(), p.vp.Height()
	if p.odd || w <= 0 || h <= 0 {
		return p.vp.View()
	}
	top, x := p.vp.YOffset(), p.vp.XOffset()
	cut := x != 0 || p.widest > w
	end := min(top+h, len(p.lines))
	var b strings.Builder
	for i := top; i < top+h; i++ {
		if i > top {
			b.WriteByte('\n')
		}
		if i >= end {
			continue
		}
		l := p.lines[i]
		if cut {
			l = ansi.Cut(l, x, x+w)
		}
		b.WriteString(l)
	}
	return b.String()
}
