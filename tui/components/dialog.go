package components

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Dialog is a small modal box a page shows over its body: a picker, a
// prompt or a confirmation. Update reports done when the dialog closes.
type Dialog interface {
	Update(msg tea.KeyPressMsg) (done bool, cmd tea.Cmd)
	View() string
}

// Overlay draws a dialog in the middle of a w×h area.
func Overlay(c *common.Common, d Dialog, w, h int) string {
	box := c.Styles.Dialog.Render(d.View())
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

// PickItem is one choice of a Picker.
type PickItem struct {
	Label string
	Value int64
}

// Picker lets the user choose one item with j/k and enter.
type Picker struct {
	c      *common.Common
	title  string
	items  []PickItem
	cursor int
	onPick func(PickItem) tea.Cmd
}

// NewPicker builds a picker; the cursor starts on the item whose value is
// current, if any.
func NewPicker(c *common.Common, title string, items []PickItem, current int64, onPick func(PickItem) tea.Cmd) *Picker {
	p := &Picker{c: c, title: title, items: items, onPick: onPick}
	for i, it := range items {
		if it.Value == current {
			p.cursor = i
		}
	}
	return p
}

// Update implements Dialog.
func (p *Picker) Update(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.items)-1)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = len(p.items) - 1
	case key.Matches(msg, k.Open):
		if len(p.items) == 0 {
			return true, nil
		}
		return true, p.onPick(p.items[p.cursor])
	case key.Matches(msg, k.Back):
		return true, nil
	}
	return false, nil
}

// View implements Dialog. Long lists scroll around the cursor.
func (p *Picker) View() string {
	st := p.c.Styles
	lines := []string{st.DialogTitle.Render(wrap(p.c, p.title)), ""}
	room := max(p.c.Height-6, 3)
	start := 0
	if p.cursor >= room {
		start = p.cursor - room + 1
	}
	for i := start; i < len(p.items) && i < start+room; i++ {
		label := "  " + p.items[i].Label + "  "
		if i == p.cursor {
			label = st.DialogCursor.Render(label)
		}
		lines = append(lines, label)
	}
	lines = append(lines, "", st.Muted.Render("enter: choose · esc: cancel"))
	return strings.Join(lines, "\n")
}

// Prompt reads one line of text.
type Prompt struct {
	c        *common.Common
	title    string
	input    Input
	onSubmit func(string) tea.Cmd
}

// NewPrompt builds a prompt with an initial value.
func NewPrompt(c *common.Common, title, value string, onSubmit func(string) tea.Cmd) *Prompt {
	in := Input{Prompt: "> ", Cursor: c.Styles.DialogCursor}
	in.SetValue(value)
	return &Prompt{c: c, title: title, input: in, onSubmit: onSubmit}
}

// Update implements Dialog: enter submits, esc cancels, the rest edits.
func (p *Prompt) Update(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch msg.String() {
	case "enter":
		return true, p.onSubmit(strings.TrimSpace(p.input.Value()))
	case "esc":
		return true, nil
	}
	p.input.Update(msg)
	return false, nil
}

// View implements Dialog.
func (p *Prompt) View() string {
	st := p.c.Styles
	return strings.Join([]string{
		st.DialogTitle.Render(wrap(p.c, p.title)), "", p.input.View(), "",
		st.Muted.Render("enter: ok · esc: cancel"),
	}, "\n")
}

// Confirm asks a yes/no question before a hard-to-undo action.
type Confirm struct {
	c     *common.Common
	text  string
	onYes tea.Cmd
}

// NewConfirm builds a confirmation.
func NewConfirm(c *common.Common, text string, onYes tea.Cmd) *Confirm {
	return &Confirm{c: c, text: text, onYes: onYes}
}

// Update implements Dialog.
func (d *Confirm) Update(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case key.Matches(msg, d.c.Keys.Confirm):
		return true, d.onYes
	case key.Matches(msg, d.c.Keys.Cancel):
		return true, nil
	}
	return false, nil
}

// View implements Dialog.
func (d *Confirm) View() string {
	st := d.c.Styles
	return st.DialogTitle.Render(wrap(d.c, d.text)) + "\n\n" + st.Muted.Render("y/enter: yes · n/esc: no")
}

// wrap breaks a dialog's text to fit the screen inside the dialog's
// border and padding: a question names patches, and must show whole.
func wrap(c *common.Common, s string) string {
	return ansi.Wrap(s, max(c.Width-8, 20), "")
}
