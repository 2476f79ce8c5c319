package tui

import (
	"context"
	"runtime"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
)

// Gate bounds how many sessions of a process update and draw their model
// at once. Hundreds of busy sessions would otherwise each take a core in
// turn, and the HTTP requests and mails that share the machine would
// queue behind them: sized below the core count, the gate leaves a core
// to the rest, and sessions that find it full wait their turn (their
// keys and loads queue in their program meanwhile, and the renderer,
// which draws at most a frame per tick, shows the last state). A Gate is
// safe for concurrent use; the zero value is not usable (NewGate).
//
// What the gate cannot hold is the library's own drawing: bubbletea turns
// the view into terminal output on a ticker goroutine of its own (under
// the soak's TUI load, 46% of the daemon's CPU), with no hook before it.
// That work is bounded instead by the frames the gated models produce and
// by the frame rate (server/ssh caps it at 30 a second).
type Gate struct {
	slots chan struct{}
	waits atomic.Int64
}

// NewGate lets n models run at once; n <= 0 means one fewer than the
// cores Go may use (GOMAXPROCS), at least one.
func NewGate(n int) *Gate {
	if n <= 0 {
		n = max(runtime.GOMAXPROCS(0)-1, 1)
	}
	return &Gate{slots: make(chan struct{}, n)}
}

// Size is how many models may run at once.
func (g *Gate) Size() int { return cap(g.slots) }

// Waits is how many times a session found the gate full.
func (g *Gate) Waits() int64 { return g.waits.Load() }

// enter takes a slot, waiting for one; it reports false (and takes none)
// when ctx ends first: the session is going away and need not wait.
func (g *Gate) enter(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	g.waits.Add(1)
	select {
	case g.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (g *Gate) leave() { <-g.slots }

// gated runs a model's Update and View through a gate. The program draws
// after every Update, so the view is built in the same pass through the
// gate and handed over when asked for.
type gated struct {
	m    tea.Model
	g    *Gate
	ctx  context.Context
	view tea.View
	made bool // view is the one of the model's current state
}

func (w *gated) Init() tea.Cmd { return w.m.Init() }

func (w *gated) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	in := w.g.enter(w.ctx)
	var cmd tea.Cmd
	w.m, cmd = w.m.Update(msg)
	w.view, w.made = w.m.View(), true
	if in {
		w.g.leave()
	}
	return w, cmd
}

func (w *gated) View() tea.View {
	if w.made {
		w.made = false
		return w.view
	}
	in := w.g.enter(w.ctx)
	v := w.m.View()
	if in {
		w.g.leave()
	}
	return v
}
