package common

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// ErrAnonymous is the answer to an anonymous session that tries to change
// something.
var ErrAnonymous = fmt.Errorf("%w: log in with a registered SSH key to change patches", store.ErrForbidden)

// ErrorMsg reports a failure to the user in the status line.
type ErrorMsg struct{ Err error }

// StatusMsg shows a short message in the status line.
type StatusMsg struct{ Text string }

// PushMsg opens a page on top of the current one.
type PushMsg struct{ Page Page }

// BackMsg closes the current page.
type BackMsg struct{}

// ChangedMsg says the page changed the store itself: the root reloads
// every page in the stack (as if another session had changed it). Undo,
// when set, takes the change back: it becomes the session's last action.
type ChangedMsg struct {
	Status string
	Undo   *Undo
}

// Undo takes back one change of this session (the u key): Run restores
// what the change replaced, through the same service operations.
type Undo struct {
	Run func() UndoneMsg
}

// UndoneMsg is the result of an Undo: what it restored, and what it could
// not.
type UndoneMsg struct {
	Status  string
	Changed bool // something was restored: pages reload
	Err     error
}

// Push returns a command that opens p.
func Push(p Page) tea.Cmd { return func() tea.Msg { return PushMsg{Page: p} } }

// Back returns a command that closes the current page.
func Back() tea.Msg { return BackMsg{} }

// Error returns a command that reports err.
func Error(err error) tea.Cmd { return func() tea.Msg { return ErrorMsg{Err: err} } }

// Status returns a command that shows text in the status line.
func Status(text string) tea.Cmd { return func() tea.Msg { return StatusMsg{Text: text} } }

// Describe turns a store error into a sentence for the status line.
func Describe(err error) string {
	// A refusal that explains itself (why a reply cannot be sent) reads
	// better than its sentinel.
	var um interface{ UserMessage() string }
	if errors.As(err, &um) {
		return um.UserMessage()
	}
	var se *service.Error
	switch {
	case errors.Is(err, ErrAnonymous):
		return ErrAnonymous.Error()
	case errors.As(err, &se):
		// The service's refusals are sentences meant for the user.
		return se.Msg
	case errors.Is(err, store.ErrForbidden):
		return "permission denied"
	case errors.Is(err, store.ErrStale):
		return "someone else changed it since this dialog opened; nothing was written (look again, then retry)"
	case errors.Is(err, store.ErrNotFound):
		return fmt.Sprintf("not found (%v)", err)
	default:
		return err.Error()
	}
}
