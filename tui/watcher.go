package tui

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Watcher reads the event log for the sessions of one process: one reading
// serves every session that polls within maxAge, instead of one query per
// session per second. It remembers which projects had events, so that a
// session reloads its page only when the page's project changed: with mail
// arriving every second, reloading every open list on every mail was most
// of a busy server's work.
//
// It has no goroutine of its own: the first poll after maxAge reads the
// store while the others wait for it.
type Watcher struct {
	store  store.Store
	maxAge time.Duration
	now    func() time.Time

	mu     sync.Mutex
	at     time.Time       // of the last reading; zero before the first
	latest int64           // newest event id seen
	proj   map[int64]int64 // newest event id per project, of events after the first reading
	counts map[int64]*stateCounts
}

// stateCounts is one project's count of unarchived patches per state.
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

// Counts returns the unarchived patches of the project per state id,
// shared as described at stateCounts.
func (w *Watcher) Counts(ctx context.Context, projectID int64) (map[int64]int, error) {
	w.mu.Lock()
	e := w.counts[projectID]
	if e == nil {
		e = &stateCounts{}
		w.counts[projectID] = e
	}
	w.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	w.mu.Lock()
	latest, changed := w.latest, w.proj[projectID]
	w.mu.Unlock()
	if e.m != nil && changed <= e.asOf {
		return maps.Clone(e.m), nil
	}
	no := false
	m, err := w.store.CountByState(ctx, projectID, &no)
	if err != nil {
		return nil, err
	}
	e.m, e.asOf = m, latest
	return maps.Clone(m), nil
}

// NewWatcher returns a watcher on s whose readings serve polls for maxAge
// (0: every poll reads the store).
func NewWatcher(s store.Store, maxAge time.Duration) *Watcher {
	return &Watcher{store: s, maxAge: maxAge, now: time.Now, proj: map[int64]int64{}, counts: map[int64]*stateCounts{}}
}

// check returns the newest event id and whether an event newer than since
// concerns project (0: any project). The first check of a watcher only
// takes the baseline.
func (w *Watcher) check(ctx context.Context, since, project int64) (latest int64, changed bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now := w.now(); w.at.IsZero() || now.Sub(w.at) >= w.maxAge || now.Before(w.at) {
		if err := w.refresh(ctx, now); err != nil {
			return w.latest, false, err
		}
	}
	if project == 0 {
		return w.latest, w.latest > since, nil
	}
	return w.latest, w.proj[project] > since, nil
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
