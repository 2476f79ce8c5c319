package rest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/patchwork-go/patchwork/store"
)

// The Link header's last page needs the exact number of rows (spec §4.1),
// and counting a project of a million patches takes 40-50 ms on every
// dialect: more than the rest of the request ten times over. Patches are
// never deleted, and a patch's project, submitter, date, hash and
// Message-ID never change, so a count over those conditions only grows by
// the patches created since. mailin creates a project's patches under
// LockProject, one transaction after the other, so their ids become
// visible in increasing order: once id M is visible, every patch of that
// project with a lower id is too. The count of rows with id <= M is then
// final, and a later count is that plus the (few, indexed) rows above M.
const (
	// countCacheMin: smaller counts take well under a millisecond.
	countCacheMin = 1000
	// countCacheSize bounds the memory a client sending many distinct
	// filters can make us hold.
	countCacheSize = 256
	// countCacheTTL re-counts in full now and then, so that a writer that
	// ever bypassed the project lock cannot leave a wrong total for long.
	countCacheTTL = 10 * time.Minute
)

// countCache holds exact counts of immutable-condition patch queries, each
// with the highest id it covers. It is shared by all requests.
type countCache struct {
	min    int // counts below it are not kept (countCacheMin; tests lower it)
	mu     sync.Mutex
	m      map[string]countEntry
	flight singleflight.Group // full counts under way, by key
}

type countEntry struct {
	maxID int64
	n     int
	at    time.Time
}

func newCountCache() *countCache { return &countCache{min: countCacheMin, m: map[string]countEntry{}} }

func (cc *countCache) get(key string, now time.Time) (countEntry, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[key]
	if ok && now.Sub(e.at) > countCacheTTL {
		delete(cc.m, key)
		return countEntry{}, false
	}
	return e, ok
}

// put keeps e unless a concurrent request already stored a later count.
func (cc *countCache) put(key string, e countEntry) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if old, ok := cc.m[key]; ok {
		if old.maxID >= e.maxID {
			return
		}
		e.at = old.at // the TTL runs from the last full count
	} else if len(cc.m) >= countCacheSize {
		for k := range cc.m { // any one: the map's order is random
			delete(cc.m, k)
			break
		}
	}
	cc.m[key] = e
}

// immutableKey returns a key for conds when the rows they select can only
// grow by newly created patches: one project, and otherwise only fields no
// update touches. ok is false for anything else (states, archived,
// delegates, names and search text change).
func immutableKey(conds []store.Cond) (key string, ok bool) {
	var b strings.Builder
	projects := 0
	for _, c := range conds {
		switch c.Field {
		case store.FieldProject:
			if c.Not || len(c.Ints) != 1 {
				return "", false
			}
			projects++
		case store.FieldSubmitter, store.FieldDate, store.FieldHash, store.FieldMsgID:
		default:
			return "", false
		}
		fmt.Fprintf(&b, "%d|%t|%v|%q|%t|%d|%s;", c.Field, c.Not, c.Ints, c.Strs, c.Bool, c.Op, c.Time.UTC().Format(time.RFC3339Nano))
	}
	return b.String(), projects == 1
}

// countPatches counts what q selects without paging, exactly.
func (c *call) countPatches(q store.PatchQuery) (int, error) {
	q.Limit, q.Offset, q.After, q.Before = 0, 0, nil, nil
	n, err := c.h.counts.count(c.ctx, c.h.store, q.Conds, time.Now())
	if err != nil {
		return 0, fmt.Errorf("count patches: %w", err)
	}
	return n, nil
}

func (cc *countCache) count(ctx context.Context, s store.Store, conds []store.Cond, now time.Time) (int, error) {
	key, ok := immutableKey(conds)
	if !ok {
		return s.CountPatches(ctx, store.PatchQuery{Conds: conds})
	}
	if e, hit := cc.get(key, now); hit {
		return cc.update(ctx, s, key, conds, e, true)
	}
	// A full count of a big project takes tens of milliseconds: requests
	// that miss together (a fresh daemon under load, a TTL expiry) share
	// one instead of each running its own, which filled the connection
	// pool and held every other request for a second. The count goes on
	// if the request that started it goes away: the others still wait.
	v, err, _ := cc.flight.Do(key, func() (any, error) {
		if e, hit := cc.get(key, now); hit { // filled while we queued
			return cc.update(ctx, s, key, conds, e, true)
		}
		return cc.update(context.WithoutCancel(ctx), s, key, conds, countEntry{at: now}, false)
	})
	if err != nil {
		return 0, err
	}
	return v.(int), nil
}

// update brings e up to date: the rows above e.maxID when hit, else a
// full count; the result is kept when big enough.
func (cc *countCache) update(ctx context.Context, s store.Store, key string, conds []store.Cond, e countEntry, hit bool) (int, error) {
	idCond := func(op store.Op, id int64) store.Cond {
		return store.Cond{Field: store.FieldID, Op: op, Ints: []int64{id}}
	}
	with := func(extra ...store.Cond) []store.Cond {
		return append(append([]store.Cond(nil), conds...), extra...)
	}
	var newer []store.Cond
	if hit {
		// The usual answer: nothing new since, found on the id index.
		newer = append(newer, idCond(store.OpGt, e.maxID))
		n, err := s.CountPatches(ctx, store.PatchQuery{Conds: with(newer...)})
		if err != nil || n == 0 {
			return e.n, err
		}
	}
	// The newest matching patch: the count below covers up to it.
	top, err := s.ListPatches(ctx, store.PatchQuery{Conds: with(newer...), Order: store.OrderID, Desc: true, Limit: 1, NoTags: true, NoChecks: true, Lean: true})
	if err != nil {
		return 0, err
	}
	if len(top) == 0 {
		return e.n, nil // nothing at all
	}
	n, err := s.CountPatches(ctx, store.PatchQuery{Conds: with(append(newer, idCond(store.OpLe, top[0].ID))...)})
	if err != nil {
		return 0, err
	}
	e.n += n
	e.maxID = top[0].ID
	if e.n >= cc.min {
		cc.put(key, e)
	}
	return e.n, nil
}
