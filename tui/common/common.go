// Package common holds what every page of one TUI session shares: the
// session context, size, styles, key map, store, user and clock.
package common

import (
	"context"
	"log/slog"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// Common is shared by the pages of one session. Pages hold a pointer so
// that a resize or a new background colour reaches all of them.
type Common struct {
	// Ctx dies with the SSH session, so store calls die with it too.
	Ctx    context.Context
	Width  int // size of the page body (the terminal minus header and footer)
	Height int
	Styles *styles.Styles
	Keys   *keymap.KeyMap
	Store  store.Store
	// Service makes every change, with its permission check.
	Service *service.Service
	User    *store.User // nil: anonymous, read-only
	Now     func() time.Time
	Logger  *slog.Logger
	// Counts returns a project's unarchived patches per state id; the
	// sessions of a process share the answers (see store.Watcher). nil: ask
	// the store.
	Counts func(ctx context.Context, projectID int64) (map[int64]int, error)
	// Drafts keeps the replies closed unsent, for the session.
	Drafts map[service.ReplyTarget]string
}

// CountByState is Counts, or the store's count without it.
func (c *Common) CountByState(projectID int64) (map[int64]int, error) {
	if c.Counts != nil {
		return c.Counts(c.Ctx, projectID)
	}
	no := false
	return c.Store.CountByState(c.Ctx, projectID, &no)
}

// UserID is the session user's id, 0 when anonymous.
func (c *Common) UserID() int64 {
	if c.User == nil {
		return 0
	}
	return c.User.ID
}
