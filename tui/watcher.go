package tui

import (
	"context"
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
}

// NewWatcher returns a watcher on s whose readings serve polls for maxAge
// (0: every poll reads the store).
func NewWatcher(s store.Store, maxAge time.Duration) *Watcher {
	return &Watcher{store: s, maxAge: maxAge, now: time.Now, proj: map[int64]int64{}}
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
