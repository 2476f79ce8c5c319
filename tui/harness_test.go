package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/patchwork-go/patchwork/store"
)

// The tests run the real root model in a real tea.Program (teatest) at a
// fixed size and clock, on a real store. The screen is read with probeMsg
// (the model's current View) rather than by parsing the renderer's
// incremental output, and waits poll it until the expected text shows.

const (
	termW, termH = 100, 30
	// waitLimit only bounds a failing wait; passing waits return as soon
	// as the text shows.
	waitLimit = 10 * time.Second
)

type harness struct {
	t  *testing.T
	tm *teatest.TestModel
}

// start runs a session for user (nil: anonymous) on s.
func start(t *testing.T, s store.Store, user *store.User, opts ...func(*Options)) *harness {
	t.Helper()
	dark := true
	o := Options{
		Ctx: context.Background(), Store: s, User: user, Width: termW, Height: termH,
		Now: func() time.Time { return now }, IsDark: &dark, PollInterval: 50 * time.Millisecond,
	}
	for _, fn := range opts {
		fn(&o)
	}
	tm := teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(o.Width, o.Height))
	h := &harness{t: t, tm: tm}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
	})
	return h
}

// size sets the terminal size of a session.
func size(w, h int) func(*Options) {
	return func(o *Options) { o.Width, o.Height = w, h }
}

// screen is the current frame without styling.
func (h *harness) screen() string {
	h.t.Helper()
	return ansi.Strip(h.raw())
}

// raw is the current frame with styling.
func (h *harness) raw() string {
	h.t.Helper()
	ch := make(chan string, 1)
	h.tm.Send(probeMsg{ch: ch})
	select {
	case s := <-ch:
		return s
	case <-time.After(waitLimit):
		h.t.Fatal("the program did not answer a probe")
		return ""
	}
}

// waitFor polls the screen until every want shows, and returns it.
func (h *harness) waitFor(want ...string) string {
	h.t.Helper()
	return h.waitUntil(strings.Join(want, ", "), func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// waitGone polls until text no longer shows.
func (h *harness) waitGone(text string) string {
	h.t.Helper()
	return h.waitUntil("no "+text, func(s string) bool { return !strings.Contains(s, text) })
}

func (h *harness) waitUntil(what string, ok func(string) bool) string {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	var s string
	for time.Now().Before(deadline) {
		if s = h.screen(); ok(s) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("waiting for %s; screen:\n%s", what, s)
	return ""
}

// typ types runes; special keys go through press.
func (h *harness) typ(s string) { h.tm.Type(s) }

// press sends named keys: "enter", "esc", "space", "down", "ctrl+d".
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.tm.Send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// golden compares the unstyled screen with testdata/<test>.golden
// (refresh with go test ./tui -update).
func (h *harness) golden(screen string) {
	h.t.Helper()
	golden.RequireEqual(h.t, trimRight(screen))
}

// trimRight drops trailing spaces so golden files stay readable.
func trimRight(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}
