package common

import (
	tea "charm.land/bubbletea/v2"

	"charm.land/bubbles/v2/key"
)

// Page is one screen of the TUI. The root model keeps a stack of pages and
// forwards messages to the top one.
type Page interface {
	// Init starts the page's first load.
	Init() tea.Cmd
	// Update handles a message; pages are pointers and change in place.
	Update(msg tea.Msg) tea.Cmd
	// View renders the page body at Common's Width × Height.
	View() string
	// Title is shown in the header ("libuv › patches").
	Title() string
	// Reload reloads the page's data after the store changed, keeping the
	// cursor on the same item.
	Reload() tea.Cmd
	// ShortHelp lists the keys shown in the footer.
	ShortHelp() []key.Binding
	// Capturing reports whether the page is reading text (a prompt or a
	// search), so the root must not treat keys like q or ? as commands.
	Capturing() bool
}

// ProjectScoped is a page that shows one project's data: live updates
// reload it only for that project's events. ProjectID is 0 while the
// project is not known yet (then any change reloads it).
type ProjectScoped interface {
	ProjectID() int64
}

// Followed is a page whose whole content follows the event log: every
// change to what it shows makes an event of its project (0: of any
// project). When such a page shows again after being covered, the root
// reloads it only if the log moved for its project meanwhile, or this
// session changed something, instead of always.
type Followed interface {
	ProjectScoped
	// Settled reports whether the page holds loaded data and has no load
	// in flight: the answer to a load started before it was covered would
	// go to the page on top and be lost.
	Settled() bool
}

// Loader is a page that shows nothing until its first load answers. For a
// moment after it opens, the root keeps the frame of the page below on
// screen instead of a "loading…" that would show for a few milliseconds:
// one frame less per opened patch, and no flash.
type Loader interface {
	Loaded() bool
}

// Busy is a page that cannot take keys yet: it is loading what they
// would act on (a patch that is opening, a list whose query is being
// resolved, rows a move is waiting for). The root keeps the keys typed
// meanwhile and hands them over, in order, once it is ready.
type Busy interface {
	Busy() bool
}
