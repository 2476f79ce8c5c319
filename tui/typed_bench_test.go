package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// BenchmarkTypedKeys is 200 KB of j typed into the patch list of a
// 2,000-patch project at once (a held key, a paste), in a real
// tea.Program with its renderer, as an SSH session runs it: cpu-s/op is
// the process's CPU time (getrusage) until the ? typed after them has
// opened the help ("Going places" drawn), frames/op the renderer's writes.
func BenchmarkTypedKeys(b *testing.B) {
	benchKeys := 200 << 10
	s, _ := sqltest.Seeded(b, "sqlite", 2000)
	keys := strings.Repeat("j", benchKeys) + "?"
	var cpu time.Duration
	frames := 0
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		out := &screenWriter{seen: make(chan struct{}, 1)}
		in, w := io.Pipe()
		m := New(Options{Ctx: ctx, Store: s, Width: 100, Height: 30, PollInterval: time.Hour,
			Watcher: store.NewWatcher(s, time.Hour, nil)})
		p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
			tea.WithEnvironment([]string{"TERM=xterm-256color", "CLICOLOR_FORCE=1"}), tea.WithWindowSize(100, 30))
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = p.Run()
		}()
		wait := func(want string) {
			deadline := time.After(2 * time.Minute)
			for {
				out.mu.Lock()
				ok := bytes.Contains(out.buf.Bytes(), []byte(want))
				out.mu.Unlock()
				if ok {
					return
				}
				select {
				case <-out.seen:
				case <-deadline:
					b.Fatalf("no %q within 2 minutes", want)
				}
			}
		}
		wait("bench")
		if _, err := io.WriteString(w, "\r"); err != nil {
			b.Fatal(err)
		}
		wait("query:")
		time.Sleep(200 * time.Millisecond) // the list's first loads
		out.mu.Lock()
		out.buf.Reset()
		writes0 := out.writes
		out.mu.Unlock()
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		go func() { _, _ = io.WriteString(w, keys) }()
		// The screen itself, not the renderer's output: that draws
		// only the cells that changed.
		for deadline := time.Now().Add(2 * time.Minute); ; {
			ch := make(chan string, 1)
			p.Send(probeMsg{ch: ch})
			screen := <-ch
			if strings.Contains(ansi.Strip(screen), "Going places") {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("no help within 2 minutes; screen:\n%s", ansi.Strip(screen))
			}
			time.Sleep(time.Millisecond)
		}
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu += time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()) - time.Duration(ru0.Utime.Nano()+ru0.Stime.Nano())
		out.mu.Lock()
		frames += out.writes - writes0
		out.mu.Unlock()
		p.Kill()
		cancel()
		_ = w.Close()
		<-done
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
	b.ReportMetric(load1(), "load1")
}
