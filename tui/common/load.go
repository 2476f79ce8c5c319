package common

import tea "charm.land/bubbletea/v2"

// Load is one kind of a page's loads (the patch it shows, a window of
// rows): a load started later supersedes the ones before it, whose
// answers are dropped when they arrive. Answers name the Load that
// started them, so the answer to a load of a page that another page has
// covered meanwhile is never taken by the page on top, even one of the
// same kind.
type Load[T any] struct {
	gen  int
	busy bool
	done bool
}

// Loaded is the answer to a Load's Start.
type Loaded[T any] struct {
	from  *Load[T]
	gen   int
	Value T
	Err   error
}

// Start runs fetch in a command (the I/O stays out of Update); its
// answer is a Loaded[T] for Take.
func (l *Load[T]) Start(fetch func() (T, error)) tea.Cmd {
	l.gen++
	l.busy = true
	from, gen := l, l.gen
	return func() tea.Msg {
		v, err := fetch()
		return Loaded[T]{from: from, gen: gen, Value: v, Err: err}
	}
}

// Take reports whether m answers l's newest load, which then ends.
func (l *Load[T]) Take(m Loaded[T]) bool {
	if m.from != l || m.gen != l.gen {
		return false
	}
	l.busy, l.done = false, true
	return true
}

// Busy reports whether a load is in flight.
func (l *Load[T]) Busy() bool { return l.busy }

// Done reports whether any load has answered.
func (l *Load[T]) Done() bool { return l.done }

// Cancel drops the load in flight: its answer will not be taken.
func (l *Load[T]) Cancel() {
	l.gen++
	l.busy = false
}
