package common

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The quick paths must measure and cut exactly as ansi does, on the text
// the TUI draws and on text they must hand over to ansi.
func TestWidthMatchesANSI(t *testing.T) {
	bold := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ff8700"))
	inputs := []string{
		"", "a", "[PATCH v2 3/5] unix: fix the handling of EINTR in uv_run",
		bold.Render("New") + " " + bold.Render("(a)"),
		"ünïcödé", "日本語のパッチ", "emoji 👍🏽 and ZWJ 👩‍💻", "e\u0301 combining",
		"tab\there", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "\x1b[", "\x1b[31", "trailing esc\x1b",
		"\x1bc reset", "del\x7f", "c1\u0085", strings.Repeat("x", 300),
		bold.Render("日本") + "ascii", "\x1b[38;2;1;2;3mrgb\x1b[m",
		"cut…", "a › b • c · d ↑/k ↓/j ← → ─│", "…\u0301", "•\u200d•", "›\ufe0f", "…日本",
		bold.Render("patchwork › libuv") + " " + bold.Render("row 3 of 40+ · 2 marked…"),
	}
	for _, s := range inputs {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi says %d", s, got, want)
		}
		for w := 1; w <= 70; w++ {
			want := ansi.Truncate(s, w, "…")
			if ansi.StringWidth(s) <= w {
				want = s + strings.Repeat(" ", w-ansi.StringWidth(s))
			}
			if got := Fit(s, w); got != want {
				t.Errorf("Fit(%q, %d) = %q, want %q", s, w, got, want)
			}
		}
	}
}
