package tui

import (
	"io"
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// BenchmarkFrameRender is the renderer's share of a soak cycle, without
// goroutines or timers: the three frames a session draws each second
// (the list after a scroll, the patch, the list again) go through the
// steps bubbletea v2's renderer takes for a changed frame (clear the cell
// buffer, draw the styled string into it, diff it against the screen and
// write the difference). One op is the three frames, at 100x30.
func BenchmarkFrameRender(b *testing.B) {
	s, _ := sqltest.Seeded(b, "sqlite", 20000)
	const w, h = 100, 30
	se := newSession(b, s, w, h)
	se.until("the project list", contains("bench"))
	listed := func(f string) bool { return strings.Contains(f, "query: ") && strings.Contains(f, " of ") }
	se.press(keyMsg("enter"), "the patch list's rows", listed)
	se.settle()
	se.press(keyMsg("j"), "the cursor on row 2", contains("2 of "))
	frames := []string{se.m.View().Content}
	se.press(keyMsg("enter"), "the patch", func(f string) bool {
		return strings.Contains(f, "Message-ID") && !strings.Contains(f, "loading…")
	})
	se.settle()
	frames = append(frames, se.m.View().Content)
	se.press(keyMsg("esc"), "the patch list", listed)
	se.settle()
	frames = append(frames, se.m.View().Content)

	buf := uv.NewScreenBuffer(w, h)
	scr := uv.NewTerminalRenderer(io.Discard, []string{"TERM=xterm-256color"})
	scr.SetFullscreen(true)
	scr.SetRelativeCursor(false)
	scr.SetScrollOptim(true)
	scr.Erase()
	draw := func(frame string) {
		buf.Clear()
		uv.NewStyledString(frame).Draw(buf, buf.Bounds())
		scr.Render(buf.RenderBuffer)
		if err := scr.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range frames {
		draw(f)
	}
	bytes := 0
	for _, f := range frames {
		bytes += len(f)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range frames {
			draw(f)
		}
	}
	b.ReportMetric(float64(bytes), "frame-bytes/op")
}
