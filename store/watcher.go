package store

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Watcher reads the event log for the sessions of one process (the SSH
// TUI's, the web view's requests): one reading serves every session that
// polls within maxAge, instead of one query per session per second. It remembers which projects had events, so that a
// session reloads its page only when the page's project changed: with mail
// arriving every second, reloading every open list on every mail was most
// of a busy server's work.
//
// It has no goroutine of its own: the first poll after maxAge reads the
// store while the others wait for it.
type Watcher struct {
	store  Store
	maxAge time.Duration
	now    func() time.Time

	mu     sync.Mutex
	at     time.Time       // of the last reading; zero before the first
	latest int64           // newest event id seen
	proj   map[int64]int64 // newest event id per project, of events after the first reading
	counts map[countKey]*stateCounts
}

// countKey names one count: a project's archived or unarchived patches.
type countKey struct {
	project  int64
	archived bool
}

// stateCounts is one project's count of (un)archived patches per state.
// Counting a million patches takes ~100 ms, and the projects screen of
// every session reloads on every change: the sessions of a process share
// one count per project, redone only when the project has had events since
// it was made. Every change makes an event, so the count stays exact; a
// change the watcher has not read yet shows at the reload its reading
// brings.
type stateCounts struct {
	mu   sync.Mutex // held while counting: the other sessions wait for it
	m    map[int64]int
	asOf int64 // the newest event id read when the count started
}

// Counts returns the project's archived or unarchived patches per state
// id, shared as described at stateCounts.
func (w *Watcher) Counts(ctx context.Context, projectID int64, archived bool) (map[int64]int, error) {
	key := countKey{projectID, archived}
	w.mu.Lock()
	e := w.counts[key]
	if e == nil {
		e = &stateCounts{}
		w.counts[key] = e
	}
	w.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	w.mu.Lock()
	err := w.fresh(ctx)
	latest, changed := w.latest, w.proj[projectID]
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if e.m != nil && changed <= e.asOf {
		return maps.Clone(e.m), nil
	}
	m, err := w.store.CountByState(ctx, projectID, &archived)
	if err != nil {
		return nil, err
	}
	e.m, e.asOf = m, latest
	return maps.Clone(m), nil
}

// NewWatcher returns a watcher on s whose readings serve polls for maxAge
// (0: every poll reads the store); now is its clock (nil: time.Now).
func NewWatcher(s Store, maxAge time.Duration, now func() time.Time) *Watcher {
	if now == nil {
		now = time.Now
	}
	return &Watcher{store: s, maxAge: maxAge, now: now, proj: map[int64]int64{}, counts: map[countKey]*stateCounts{}}
}

// Check returns the newest event id and whether an event newer than since
// concerns project (0: any project). The first check of a watcher only
// takes the baseline.
func (w *Watcher) Check(ctx context.Context, since, project int64) (latest int64, changed bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.fresh(ctx); err != nil {
		return w.latest, false, err
	}
	if project == 0 {
		return w.latest, w.latest > since, nil
	}
	return w.latest, w.proj[project] > since, nil
}

// fresh reads the store unless the last reading is younger than maxAge.
// w.mu is held.
func (w *Watcher) fresh(ctx context.Context) error {
	if now := w.now(); w.at.IsZero() || now.Sub(w.at) >= w.maxAge || now.Before(w.at) {
		return w.refresh(ctx, now)
	}
	return nil
}

func (w *Watcher) refresh(ctx context.Context, now time.Time) error {
	id, err := w.store.LatestEventID(ctx)
	if err != nil {
		return err
	}
	if !w.at.IsZero() && id > w.latest {
		ps, err := w.store.EventProjectsSince(ctx, w.latest)
		if err != nil {
			return err
		}
		for p, last := range ps {
			w.proj[p] = max(w.proj[p], last)
		}
	}
	w.latest, w.at = max(w.latest, id), now
	return nil
}
