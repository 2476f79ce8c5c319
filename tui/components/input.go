package components

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Input is a one-line text editor: printable keys insert, backspace and
// delete remove, left/right/home/end move, ctrl+u clears to the start,
// ctrl+w deletes a word. It is small on purpose (bubbles' textinput pulls
// a clipboard dependency we don't need over SSH).
type Input struct {
	Prompt string
	value  []rune
	pos    int
	Cursor lipgloss.Style
}

// SetValue replaces the text and puts the cursor at its end.
func (in *Input) SetValue(s string) {
	in.value = []rune(s)
	in.pos = len(in.value)
}

// Value is the current text.
func (in *Input) Value() string { return string(in.value) }

// Update edits the text for one key; it reports whether the key was used.
func (in *Input) Update(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "backspace", "ctrl+h":
		if in.pos > 0 {
			in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
			in.pos--
		}
	case "delete", "ctrl+d":
		if in.pos < len(in.value) {
			in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		}
	case "left", "ctrl+b":
		in.pos = max(in.pos-1, 0)
	case "right", "ctrl+f":
		in.pos = min(in.pos+1, len(in.value))
	case "home", "ctrl+a":
		in.pos = 0
	case "end", "ctrl+e":
		in.pos = len(in.value)
	case "ctrl+u":
		in.value = append([]rune(nil), in.value[in.pos:]...)
		in.pos = 0
	case "ctrl+w":
		i := in.pos
		for i > 0 && in.value[i-1] == ' ' {
			i--
		}
		for i > 0 && in.value[i-1] != ' ' {
			i--
		}
		in.value = append(in.value[:i], in.value[in.pos:]...)
		in.pos = i
	default:
		text := msg.Text
		if msg.String() == "space" {
			text = " "
		}
		if text == "" || msg.Mod&^tea.ModShift != 0 {
			return false
		}
		rs := []rune(strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, text))
		tail := append(rs, in.value[in.pos:]...)
		in.value = append(in.value[:in.pos], tail...)
		in.pos += len(rs)
	}
	return true
}

// View renders the prompt, the text and a block cursor.
func (in *Input) View() string {
	before := string(in.value[:in.pos])
	at, after := " ", ""
	if in.pos < len(in.value) {
		at, after = string(in.value[in.pos]), string(in.value[in.pos+1:])
	}
	return in.Prompt + before + in.Cursor.Render(at) + after
}
