package tui

import (
	"strings"
	"testing"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// A frame drawn again with the same content is the same string: the
// renderer compares each tick's view with the last it drew, and equal
// strings at two addresses cost a byte-by-byte comparison every tick.
func TestFrameSameContentSameString(t *testing.T) {
	f := seed(t, sqltest.SQLite(t))
	se := newSession(t, f.s, 100, 30)
	se.until("the project list", contains("libuv"))
	se.press(keyMsg("enter"), "the patch list", func(s string) bool {
		return strings.Contains(s, "query: ") && strings.Contains(s, " of ")
	})
	se.settle()
	first := se.m.View().Content
	// A window change to the same size: the frame is drawn again, and
	// shows what it showed.
	_, cmd := se.m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	se.run(cmd)
	se.settle()
	again := se.m.View().Content
	if again != first {
		t.Fatalf("the same size changed the frame:\n%s\n---\n%s", first, again)
	}
	if unsafe.StringData(again) != unsafe.StringData(first) {
		t.Error("the same frame drawn again is a new string: the renderer compares it byte by byte every tick")
	}
}
