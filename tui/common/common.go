// Package common holds what every page of one TUI session shares: the
// session context, size, styles, key map, store, user and clock.
package common

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

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
	// Counts returns a project's archived or unarchived patches per state
	// id; the sessions of a process share the answers (see
	// store.Watcher). nil: ask the store.
	Counts func(ctx context.Context, projectID int64, archived bool) (map[int64]int, error)
	// SSH is how a user runs the SSH command line of this server ("ssh
	// -p 2222 patches.example.org"), for the apply commands the patch
	// and series views show.
	SSH string

	// nav holds the navigation pages asked for (Go) in the Update the
	// root is running.
	nav []tea.Msg
	// Drafts keeps the replies closed unsent, for the session.
	Drafts map[service.ReplyTarget]string
}

// Go asks the root to navigate (a navigation message: open a page, go
// back) as soon as the page's Update returns, before the next key: with
// a command instead, a key typed right after enter would reach the page
// that is being left.
func (c *Common) Go(msg tea.Msg) tea.Cmd {
	c.nav = append(c.nav, msg)
	return nil
}

// TakeNav returns the navigation asked for since the last call.
func (c *Common) TakeNav() []tea.Msg {
	n := c.nav
	c.nav = nil
	return n
}

// CountByState is Counts of the unarchived patches, or the store's count
// without it.
func (c *Common) CountByState(projectID int64) (map[int64]int, error) {
	return c.CountStates(projectID, false)
}

// CountStates is Counts, or the store's count without it.
func (c *Common) CountStates(projectID int64, archived bool) (map[int64]int, error) {
	if c.Counts != nil {
		return c.Counts(c.Ctx, projectID, archived)
	}
	return c.Store.CountByState(c.Ctx, projectID, &archived)
}

// UserID is the session user's id, 0 when anonymous.
func (c *Common) UserID() int64 {
	if c.User == nil {
		return 0
	}
	return c.User.ID
}

// ApplyCommand is the shell command that applies a patch (or, with
// series, a whole series) to a git tree.
func (c *Common) ApplyCommand(id int64, series bool) string {
	ssh := c.SSH
	if ssh == "" {
		ssh = "ssh <host>"
	}
	if series {
		return fmt.Sprintf("%s series %d --mbox | git am -3", ssh, id)
	}
	return fmt.Sprintf("%s mbox %d | git am -3", ssh, id)
}

// CopyCommand copies text to the terminal's clipboard (OSC 52: it works
// over SSH, the terminal decides whether to allow it) and says so.
func CopyCommand(text string) tea.Cmd {
	return tea.Batch(tea.SetClipboard(text), Status("copied (OSC 52): "+text))
}
