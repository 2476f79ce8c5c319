package tui

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// benchSize is the project size: PATCHWORK_BENCH_PATCHES (make bench sets
// 1,000,000), else 100,000 so that a plain go test -bench stays quick.
func benchSize(b *testing.B) int {
	if v := os.Getenv("PATCHWORK_BENCH_PATCHES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("PATCHWORK_BENCH_PATCHES=%q: want a positive number", v)
		}
		return n
	}
	return 100_000
}

// session drives the root model the way tea.Program does (commands run
// in goroutines, their messages go back through Update) but without the
// renderer, so that a key press can be timed to the frame it leads to:
// Update, the loads it starts, and View.
type session struct {
	b        testing.TB
	m        tea.Model
	msgs     chan tea.Msg
	inflight atomic.Int32 // commands running, the poll's timer included
	timers   int32        // poll timers started beyond the first (settle waits for the rest)
}

func newSession(b testing.TB, s store.Store, w, h int, opts ...func(*Options)) *session {
	dark := true
	o := Options{Ctx: context.Background(), Store: s, Width: w, Height: h, IsDark: &dark,
		// No live updates: a poll landing inside a timed key press would
		// measure the poll.
		PollInterval: time.Hour}
	for _, fn := range opts {
		fn(&o)
	}
	m := New(o)
	se := &session{b: b, m: m, msgs: make(chan tea.Msg, 64)}
	se.run(m.Init())
	return se
}

var sequenceType = reflect.TypeOf(tea.Sequence(func() tea.Msg { return nil }, func() tea.Msg { return nil })())

// run executes cmd in the background and queues its messages.
func (se *session) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	se.inflight.Add(1)
	go func() {
		defer se.inflight.Add(-1)
		se.exec(cmd)
	}()
}

func (se *session) exec(cmd tea.Cmd) {
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			se.run(c)
		}
	default:
		if reflect.TypeOf(msg) == sequenceType {
			v := reflect.ValueOf(msg)
			for i := range v.Len() {
				if c, _ := v.Index(i).Interface().(tea.Cmd); c != nil {
					se.exec(c)
				}
			}
			return
		}
		se.msgs <- msg
	}
}

// until feeds messages to the model until its frame satisfies ok, and
// returns that frame (unstyled).
func (se *session) until(what string, ok func(string) bool) string {
	se.b.Helper()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		frame := ansi.Strip(se.m.View().Content)
		if ok(frame) {
			return frame
		}
		select {
		case msg := <-se.msgs:
			_, cmd := se.m.Update(msg)
			se.run(cmd)
		case <-timeout.C:
			se.b.Fatalf("no frame with %s within a minute; screen:\n%s", what, frame)
		}
	}
}

// settle handles messages until no command but the poll's timer runs:
// the loads a key started in the background are done.
func (se *session) settle() {
	se.b.Helper()
	deadline := time.Now().Add(time.Minute)
	for se.inflight.Load() > 1+se.timers || len(se.msgs) > 0 {
		select {
		case msg := <-se.msgs:
			_, cmd := se.m.Update(msg)
			se.run(cmd)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			se.b.Fatal("background commands still running after a minute")
		}
	}
}

// key types k and applies it as the program would next (the root queues
// typed keys and applies them on a flushKeysMsg), returning the key's
// own command.
func (se *session) key(k tea.KeyPressMsg) tea.Cmd {
	se.m.Update(k)
	_, cmd := se.m.Update(flushKeysMsg{})
	return cmd
}

// press sends a key and waits for the frame that satisfies ok.
func (se *session) press(k tea.KeyPressMsg, what string, ok func(string) bool) string {
	_, cmd := se.m.Update(k)
	se.run(cmd)
	return se.until(what, ok)
}

func contains(s string) func(string) bool {
	return func(f string) bool { return strings.Contains(f, s) }
}

// BenchmarkKeyToFrame measures what a reviewer feels in a
// PATCHWORK_BENCH_PATCHES-patch project: the time from a key press to the
// frame that shows its result (Update, any store loads, View), median and
// 99th percentile, at 120x40:
//
//	scroll:    j on the patch list (the window loads more rows at its edge)
//	page-down: PgDn on the patch list
//	open:      enter on a patch until its page shows the patch
//	back:      esc from the patch to the list's first frame (the list then
//	           reloads in the background, untimed, before the next open)
func BenchmarkKeyToFrame(b *testing.B) {
	n := benchSize(b)
	for _, dialect := range sqltest.Dialects() {
		if dialect == "mysql" && os.Getenv("PATCHWORK_BENCH_MYSQL") != "1" {
			continue
		}
		b.Run(fmt.Sprintf("patches=%d/%s", n, dialect), func(b *testing.B) {
			s, _ := sqltest.Seeded(b, dialect, n)
			se := newSession(b, s, 120, 40)
			se.until("the project list", contains("bench"))
			se.press(keyMsg("enter"), "the patch list's rows", func(f string) bool {
				return strings.Contains(f, "query: ") && strings.Contains(f, " of ")
			})
			changed := func(prev string) func(string) bool {
				return func(f string) bool { return f != prev }
			}
			keyCase := func(name string, step func(prev string) string) {
				b.Run(name, func(b *testing.B) {
					frame := ansi.Strip(se.m.View().Content)
					var ds []time.Duration
					once := func() {
						t := time.Now()
						frame = step(frame)
						ds = append(ds, time.Since(t))
					}
					for b.Loop() {
						once()
					}
					// make bench runs one iteration: too few for a p99.
					for start := time.Now(); len(ds) < 300 && time.Since(start) < 10*time.Second; {
						once()
					}
					reportMS(b, ds)
				})
			}
			keyCase("scroll", func(prev string) string {
				return se.press(keyMsg("j"), "the cursor one row down", changed(prev))
			})
			pages := 0
			keyCase("page-down", func(prev string) string {
				if pages++; pages%20 == 0 {
					// Back to the top now and then, so that a small
					// project's end is never reached.
					prev = se.press(keyMsg("g"), "the top", contains(" 1 of "))
				}
				return se.press(keyMsg("pgdown"), "the next page", changed(prev))
			})
			var opens, backs []time.Duration
			b.Run("open", func(b *testing.B) {
				once := func() {
					t := time.Now()
					se.press(keyMsg("enter"), "the patch", func(f string) bool {
						return strings.Contains(f, "patch #") && !strings.Contains(f, "loading…")
					})
					opens = append(opens, time.Since(t))
					t = time.Now()
					se.press(keyMsg("esc"), "the patch list", func(f string) bool {
						return strings.Contains(f, "query: ") && strings.Contains(f, " of ")
					})
					backs = append(backs, time.Since(t))
					// The list reloads behind the frame; a reviewer opens
					// the next patch later than that.
					se.settle()
					se.press(keyMsg("j"), "the next row", func(string) bool { return true })
					se.settle()
				}
				for b.Loop() {
					once()
				}
				for start := time.Now(); len(opens) < 100 && time.Since(start) < 10*time.Second; {
					once()
				}
				reportMS(b, opens)
			})
			b.Run("back", func(b *testing.B) {
				for b.Loop() {
				}
				reportMS(b, backs)
			})
		})
	}
}

// reportMS adds the median and 99th percentile in milliseconds: what a
// user feels is the slow frame, not the mean.
func reportMS(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(ds[len(ds)/2]), "p50-ms")
	b.ReportMetric(ms(ds[min(len(ds)-1, len(ds)*99/100)]), "p99-ms")
	b.ReportMetric(float64(len(ds)), "samples")
	b.ReportMetric(load1(), "load1")
}

// load1 is the one-minute load average (0 where /proc is missing): the
// machine is shared, and a figure means little without it.
func load1() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return 0
	}
	f, _ := strconv.ParseFloat(fields[0], 64)
	return f
}
