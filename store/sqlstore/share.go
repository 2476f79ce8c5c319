package sqlstore

import (
	"database/sql"
	"fmt"
	"maps"
	"sync"
	"time"
)

// A front end whose callers are many and patient (the SSH TUI: hundreds of
// sessions, each opening a patch with a dozen queries) would otherwise take
// every connection of the pool it shares with the ones that promise quick
// answers (HTTP requests, mail delivery): under load 200 sessions made
// 97,499 waits for a connection a minute, and the REST and XML-RPC
// requests queued behind them. Such a front end gets a Share: a Store
// with a pool of its own, so that it waits for its own connections and
// never for the others'.

// origin is what the Stores derived from one Open share: how to open
// another pool, and the pools that Share opened (for Pools).
type origin struct {
	driver, dsn string

	mu    sync.Mutex
	pools map[string]*sql.DB
}

// Share returns a Store on the same database whose reads (and, except on
// SQLite, writes and transactions) go through a pool of its own of at
// most maxConns connections, named name in Pools' statistics. On SQLite
// the share keeps the one writer connection of s: a second writer pool
// would meet SQLITE_BUSY instead of queueing. Closing the share closes
// only its own pool; close it before s.
func (s *Store) Share(name string, maxConns int) (*Store, error) {
	if s.tx != nil || s.origin == nil || s.share != "" {
		return nil, fmt.Errorf("share %s: only the Store returned by Open can be shared", name)
	}
	if s.d.name == "sqlite" && s.path == "" {
		// Every connection to :memory: is a database of its own.
		return nil, fmt.Errorf("share %s: an in-memory SQLite database cannot be shared", name)
	}
	maxConns = max(maxConns, 1)
	o := s.origin
	db, err := openDB(o.driver, o.dsn, s.logger)
	if err != nil {
		return nil, fmt.Errorf("open %s pool: %w", name, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if s.d.name != "sqlite" {
		db.SetConnMaxLifetime(30 * time.Minute)
	}
	c := *s
	c.db = db
	if s.wdb == s.db {
		c.wdb = db
	}
	c.share = "patchwork-" + name
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pools == nil {
		o.pools = map[string]*sql.DB{}
	}
	if _, taken := o.pools[c.share]; taken {
		_ = db.Close()
		return nil, fmt.Errorf("share %s: a share of that name is open", name)
	}
	o.pools[c.share] = db
	return &c, nil
}

// sharePools are the pools of the shares of s, by Pools' names.
func (s *Store) sharePools() map[string]*sql.DB {
	if s.origin == nil {
		return nil
	}
	s.origin.mu.Lock()
	defer s.origin.mu.Unlock()
	return maps.Clone(s.origin.pools)
}

// closeShare closes a share's own pool and the statements prepared on it.
func (s *Store) closeShare() error {
	o := s.origin
	o.mu.Lock()
	delete(o.pools, s.share)
	o.mu.Unlock()
	if s.stmts != nil {
		s.stmts.closePool(s.db)
	}
	return s.db.Close()
}
