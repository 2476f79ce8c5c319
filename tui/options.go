// Package tui is the SSH review TUI: one root model per SSH session, with a
// stack of pages (projects, patch list, patch, series, bundles, to-do,
// help). The SSH server wraps New's model in a tea.Program per session.
package tui

import (
	"context"
	"log/slog"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// Options configure one session's TUI.
type Options struct {
	Ctx   context.Context // the session's context: store calls die with it
	Store store.Store
	// Service makes every change (nil: one over Store, on Now's clock).
	Service *service.Service
	User    *store.User // nil: anonymous, read-only
	// Width and Height are the initial terminal size (a WindowSizeMsg
	// follows when the program starts).
	Width, Height int
	Now           func() time.Time // the clock; time.Now when nil
	Logger        *slog.Logger
	// InitialPatchID opens that patch directly (`ssh -t host ID`).
	InitialPatchID int64
	// InitialProject opens that project's list (its link name: `ssh -t
	// host PROJECT [QUERY]`) on InitialQuery ("" for the default query).
	InitialProject string
	InitialQuery   string
	// OpenSoleProject opens the only project of a server that has one
	// (without InitialPatchID or InitialProject) instead of listing it.
	OpenSoleProject bool
	// IsDark fixes the background instead of asking the terminal (tests,
	// forced themes). nil: assume dark until the terminal answers.
	IsDark *bool
	// PollInterval is how often the session checks the event log for
	// changes; 0 means one second.
	PollInterval time.Duration
	// SSH is how users reach this server's SSH command line ("ssh -p
	// 2222 patches.example.org"), shown in the apply commands; "" shows
	// "ssh <host>".
	SSH string
	// StateKeys are the one-key states (key → state slug); nil: the
	// defaults (keymap.DefaultStateKeys). A key another binding uses is
	// is reported in the status line, and the defaults apply.
	StateKeys map[string]string
	// Watcher shares event log readings among the sessions of a process;
	// nil: the session reads the log itself.
	Watcher *store.Watcher
	// Gate, shared by the sessions of a process, bounds how many of them
	// update and draw at once; nil: no bound.
	Gate *Gate
}
