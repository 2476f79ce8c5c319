package tui

import (
	"context"
	"io"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// The costs below are the terminal renderer's (bubbletea's cursed renderer
// on ultraviolet), which no view of ours can avoid: what a frame and an
// idle session cost once the model has drawn its string. They are
// measured on the patch list's real frames, for an upstream report.
//
// What the report says (bubbletea v2.1.1, ultraviolet 2026-10-08; figures
// of December 2026 on 2 shared cores):
//   - A frame in which the cursor moved one row costs ~530 us of CPU to
//     send 241 bytes (BenchmarkRendererFrame). The whole frame string is
//     parsed into cells again (StyledString.Draw), every line is hashed
//     for the scroll optimisation (updateHashmap; there is no program
//     option to turn it off) and every cell's style converted to the
//     colour profile (ConvertStyle). Under the soak's TUI load the
//     renderer's ticker was 46% of the daemon's CPU (Render 29%, Draw 7%,
//     scroll hashing 8%, ConvertStyle 5%). Keeping the parsed cells of
//     lines whose text did not change would make such a frame a few lines'
//     work.
//   - The renderer runs on a goroutine of its own, on a ticker, with no
//     hook before it: a server cannot make it wait for a slot (tui.Gate
//     holds Update and View only).
//   - An idle program at 100x30 holds ~895 KiB (BenchmarkRendererIdleMemory):
//     two full cell buffers (the frame and the terminal's copy, 112-byte
//     cells: 336 KiB each) and the input reader's key table (~127 KiB),
//     built for each reader though it depends only on TERM and flags.
//     That alone is most of the 1 MiB an idle SSH session may cost.
//   - The ticker skips an unchanged view by comparing it with the last one
//     drawn; equal strings at different addresses are compared byte by
//     byte every tick (our workaround: the model hands over the same
//     string, see TestFrameSameContentSameString).

// flipMsg asks flipModel for its other frame.
type flipMsg struct{}

// flipModel shows two frames of the patch list in turn: the list, and the
// list with the cursor one row down (what j costs the renderer).
type flipModel struct {
	frames [2]string
	i      int
}

func (m *flipModel) Init() tea.Cmd { return nil }

func (m *flipModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(flipMsg); ok {
		m.i ^= 1
	}
	return m, nil
}

func (m *flipModel) View() tea.View {
	v := tea.NewView(m.frames[m.i])
	v.AltScreen = true
	return v
}

// listFrames draws the patch list of a seeded project at w x h, and the
// same list after j.
func listFrames(b *testing.B, w, h int) [2]string {
	s, _ := sqltest.Seeded(b, "sqlite", 2000)
	se := newSession(b, s, w, h)
	se.until("the project list", contains("bench"))
	se.press(keyMsg("enter"), "the patch list's rows", func(f string) bool {
		return strings.Contains(f, "query: ") && strings.Contains(f, " of ")
	})
	se.settle()
	a := se.m.View().Content
	se.press(keyMsg("j"), "the cursor one row down", func(f string) bool { return true })
	se.settle()
	return [2]string{a, se.m.View().Content}
}

// startFlip runs a program on a flipModel with the daemon's terminal
// (xterm-256color, w x h) and returns it with the channel of its writes.
func startFlip(b *testing.B, frames [2]string, w, h int, in io.Reader) (*tea.Program, *screenWriter, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &screenWriter{seen: make(chan struct{}, 1)}
	p := tea.NewProgram(&flipModel{frames: frames}, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithEnvironment([]string{"TERM=xterm-256color", "CLICOLOR_FORCE=1"}), tea.WithWindowSize(w, h), tea.WithFPS(120))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Run()
	}()
	return p, out, func() {
		cancel()
		p.Kill()
		<-done
	}
}

// BenchmarkRendererFrame is the renderer's CPU for one frame of the patch
// list at 100x30 (the soak's terminal) in which the cursor moved one row:
// the library parses the whole frame string into cells again
// (StyledString.Draw) and compares every cell with the last frame
// (TerminalRenderer.Render), though two lines changed. cpu-us/frame is the
// process's CPU per frame, program overhead included; bytes/frame what
// reached the terminal.
func BenchmarkRendererFrame(b *testing.B) {
	const w, h = 100, 30
	frames := listFrames(b, w, h)
	p, out, stop := startFlip(b, frames, w, h, nil)
	defer stop()
	wait := func() {
		select {
		case <-out.seen:
		case <-time.After(10 * time.Second):
			b.Fatal("no frame within 10s")
		}
	}
	wait()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	out.mu.Lock()
	bytes0, n := out.buf.Len(), 0
	out.mu.Unlock()
	for b.Loop() {
		p.Send(flipMsg{})
		wait()
		n++
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()) - time.Duration(ru0.Utime.Nano()+ru0.Stime.Nano())
	out.mu.Lock()
	sent := out.buf.Len() - bytes0
	out.mu.Unlock()
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/frame")
	b.ReportMetric(float64(sent)/float64(n), "bytes/frame")
	b.ReportMetric(load1(), "load1")
}

// BenchmarkRendererIdleMemory is what one idle program holds at 100x30
// with input (as an SSH session's has): the renderer's two cell buffers
// (a cell is 112 bytes: 336 KiB a buffer at 100x30), the input reader's key table (built for each
// reader, though it depends only on TERM and flags) and the program's
// goroutines. live-KiB/program is the heap in use after a GC, divided by
// the programs started.
func BenchmarkRendererIdleMemory(b *testing.B) {
	const w, h, n = 100, 30, 50
	frames := listFrames(b, w, h)
	for b.Loop() {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		g0 := runtime.NumGoroutine()
		var stops []func()
		var keys []io.Closer
		for range n {
			in, k := io.Pipe()
			_, out, stop := startFlip(b, frames, w, h, in)
			select {
			case <-out.seen:
			case <-time.After(10 * time.Second):
				b.Fatal("no first frame within 10s")
			}
			stops, keys = append(stops, stop), append(keys, k)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		g1 := runtime.NumGoroutine()
		b.ReportMetric(float64(int64(ms1.HeapInuse)-int64(ms0.HeapInuse))/1024/n, "live-KiB/program")
		b.ReportMetric(float64(int64(ms1.StackInuse)-int64(ms0.StackInuse))/1024/n, "stack-KiB/program")
		b.ReportMetric(float64(g1-g0)/n, "goroutines/program")
		for i, stop := range stops {
			_ = keys[i].Close()
			stop()
		}
	}
}
