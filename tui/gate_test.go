package tui

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// busyModel stands for a session's model that takes a while to update
// and draw, and counts how many of its kind run at once.
type busyModel struct {
	running, peak *atomic.Int32
	n             int
}

func (m *busyModel) Init() tea.Cmd { return nil }

func (m *busyModel) work() {
	now := m.running.Add(1)
	for {
		p := m.peak.Load()
		if now <= p || m.peak.CompareAndSwap(p, now) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	m.running.Add(-1)
}

func (m *busyModel) Update(tea.Msg) (tea.Model, tea.Cmd) {
	m.work()
	m.n++
	return m, nil
}

func (m *busyModel) View() tea.View {
	m.work()
	return tea.NewView(string(rune('a' + m.n%26)))
}

// Sessions going through one gate run their models at most its size at
// once, the view they show is the one of their last update, and a session
// whose context ended does not wait.
func TestGateBoundsSessions(t *testing.T) {
	g := NewGate(2)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	ctx := context.Background()
	for range 8 {
		w := &gated{m: &busyModel{running: &running, peak: &peak}, g: g, ctx: ctx}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				w.Update(tea.KeyPressMsg{Code: 'j'})
				if got, want := w.View().Content, string(rune('a'+(i+1)%26)); got != want {
					t.Errorf("view after update %d: %q, want %q", i+1, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("at most %d models ran at once, want the gate's 2", p)
	}
	if g.Waits() == 0 {
		t.Error("8 sessions through a gate of 2 never waited")
	}

	// The gate full: a session going away passes without a slot.
	g.slots <- struct{}{}
	g.slots <- struct{}{}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	w := &gated{m: &busyModel{running: &running, peak: &peak}, g: g, ctx: gone}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Update(tea.QuitMsg{})
		w.View()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a session whose context ended waits for the full gate")
	}
	if len(g.slots) != 2 {
		t.Errorf("%d slots taken after the ended session, want the 2 held", len(g.slots))
	}
}

func TestNewGateSize(t *testing.T) {
	if got := NewGate(3).Size(); got != 3 {
		t.Errorf("NewGate(3).Size() = %d", got)
	}
	if got := NewGate(0).Size(); got < 1 {
		t.Errorf("NewGate(0).Size() = %d, want at least 1", got)
	}
}
