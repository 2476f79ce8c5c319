package tui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestOpenKeepsPageBelow: while an opened patch loads, the list's frame
// stays on screen instead of a "loading…" flash; when the grace ends
// first, "loading…" shows; a loaded patch shows at once.
func TestOpenKeepsPageBelow(t *testing.T) {
	t.Parallel()
	s := sqltest.SQLite(t)
	f := seed(t, s)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	se := newSession(t, s, termW, termH, func(o *Options) {
		o.User = f.mia
		o.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	listed := func(sc string) bool { return strings.Contains(sc, "1 of 4") && strings.Contains(sc, "doc: typo") }
	opened := func(sc string) bool { return strings.Contains(sc, "Message-ID") && !strings.Contains(sc, "loading…") }
	frame := func() string { return ansi.Strip(se.m.View().Content) }
	se.until("the projects", contains("libuv"))
	se.press(keyMsg("enter"), "the list", listed)
	se.settle()
	list := frame()

	// Open, without running the load yet.
	_, open := se.m.Update(keyMsg("enter"))
	_, load := se.m.Update(open())
	if got := frame(); got != list {
		t.Fatalf("right after enter, want the list's frame; got:\n%s", got)
	}
	clock.Add(int64(loadGrace))
	if got := frame(); !strings.Contains(got, "loading…") {
		t.Fatalf("after %v of loading, want loading…; got:\n%s", loadGrace, got)
	}
	se.run(load)
	se.until("the patch", opened)
	se.settle()

	// Back, and open again: this time the load answers within the grace.
	se.press(keyMsg("q"), "the list", listed)
	se.settle()
	_, open = se.m.Update(keyMsg("enter"))
	_, load = se.m.Update(open())
	if got := frame(); !listed(got) {
		t.Fatalf("right after enter, want the list's frame; got:\n%s", got)
	}
	se.run(load)
	se.until("the patch within the grace", opened)
}
