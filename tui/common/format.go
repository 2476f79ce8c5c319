package common

import (
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store/termtext"
)

// RelTime renders t relative to now: "5m ago", "3h ago", "2d ago", then a
// date. Relative to the session clock so tests are deterministic.
func RelTime(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format("2006-01-02")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	default:
		return t.UTC().Format("2006-01-02")
	}
}

// Fit truncates or pads s (which may hold ANSI styling) to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := Width(s)
	if n > w {
		return truncate(s, w)
	}
	return s + strings.Repeat(" ", w-n)
}

// FitRight is Fit with the text aligned right.
func FitRight(s string, w int) string {
	n := Width(s)
	if n >= w {
		return Fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// PadLines makes s exactly h lines of exactly w cells, so a page fills its
// area and the footer stays at the bottom.
func PadLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = Fit(l, w)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// Sanitize makes one line of text from mail safe to draw, so a hostile
// subject cannot move the cursor, change colours or set the clipboard:
// control characters are shown visibly (^[), as on every other output
// (termtext.Line, shared with the command lines).
func Sanitize(s string) string { return termtext.Line(s) }
