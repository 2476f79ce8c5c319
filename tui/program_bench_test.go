package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// screenWriter stands for the SSH channel of a session: it keeps what the
// renderer wrote since the last reset and counts the writes (one per
// frame that changed something).
type screenWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	seen   chan struct{}
}

func (w *screenWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.writes++
	w.mu.Unlock()
	select {
	case w.seen <- struct{}{}:
	default:
	}
	return len(p), nil
}

// BenchmarkProgramCycle is one `make soak` session action cycle, in process:
// the root model in a real tea.Program with its renderer (100x30,
// xterm-256color, as the soak's client asks for), fed keys through its
// input, on a SQLite project of PATCHWORK_PROGRAM_BENCH_PATCHES patches
// (20,000). One op is what a soak session does each second: j or ctrl-d
// (alternately) until anything is drawn, enter until the patch's
// Message-ID is drawn, q until the list's "query:" is drawn. cpu-ms/op is
// the process's CPU time (getrusage: the program's goroutines, the store
// and this driver) per op; frames/op the renderer's writes. Unlike the
// soak it has no SSH and runs the cycles back to back (no idle ticks
// between them).
func BenchmarkProgramCycle(b *testing.B) {
	n := 20000
	if v := os.Getenv("PATCHWORK_PROGRAM_BENCH_PATCHES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("PATCHWORK_PROGRAM_BENCH_PATCHES=%q: want a positive number", v)
		}
	}
	s, _ := sqltest.Seeded(b, "sqlite", n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &screenWriter{seen: make(chan struct{}, 1)}
	in, keys := io.Pipe()
	defer keys.Close()
	const w, h = 100, 30
	m := New(Options{Ctx: ctx, Store: s, Width: w, Height: h, PollInterval: 500 * time.Millisecond,
		Watcher: store.NewWatcher(s, 500*time.Millisecond, nil)})
	// CLICOLOR_FORCE: the output is no terminal, but the profile must be
	// the one an SSH client's TERM gives (256 colours), as in the daemon.
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithEnvironment([]string{"TERM=xterm-256color", "CLICOLOR_FORCE=1"}), tea.WithWindowSize(w, h))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Run()
	}()
	defer func() {
		p.Kill()
		<-done
	}()

	step := func(key, want string) {
		b.Helper()
		out.mu.Lock()
		out.buf.Reset()
		out.mu.Unlock()
		if _, err := io.WriteString(keys, key); err != nil {
			b.Fatal(err)
		}
		deadline := time.After(10 * time.Second)
		for {
			out.mu.Lock()
			ok := out.buf.Len() > 0 && bytes.Contains(out.buf.Bytes(), []byte(want))
			screen := out.buf.String()
			out.mu.Unlock()
			if ok {
				return
			}
			select {
			case <-out.seen:
			case <-deadline:
				select {
				case <-done:
					b.Fatalf("after %q: the program ended", key)
				default:
				}
				b.Fatalf("after %q: no %q within 10s; output: %q", key, want, screen)
			}
		}
	}
	step("", "bench")
	step("\r", "query:")
	// Let the list's first loads and the first poll finish.
	time.Sleep(time.Second)

	scroll := []string{"j", "\x04"}
	i := 0
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	out.mu.Lock()
	writes0 := out.writes
	out.mu.Unlock()
	for b.Loop() {
		if i > 0 && i%100 == 0 {
			// Back to the top now and then: at the end of the list a
			// scroll draws nothing.
			step("g", "1 of ")
		}
		step(scroll[i%2], "")
		step("\r", "Message-ID")
		step("q", "query:")
		i++
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	out.mu.Lock()
	writes := out.writes - writes0
	out.mu.Unlock()
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()) - time.Duration(ru0.Utime.Nano()+ru0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(i), "cpu-ms/op")
	b.ReportMetric(float64(writes)/float64(i), "frames/op")
	b.ReportMetric(load1(), "load1")
}
