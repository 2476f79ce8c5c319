// Package reply is reviewing by mail from the TUI: the reply editor, the
// one-key trailers, the "applied, thanks" question after Accepted, and
// the lines that show a sent mail in its thread until the list's copy
// arrives. The rules (who may send, how often, what is recorded) are
// store/service's (mail.go); this package only asks and renders.
package reply

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
)

// Keys handles the review keys of a view: r opens the editor on the
// view's mail, t then r/a/t sends a trailer. A view holds one and offers
// it every key first.
type Keys struct {
	c       *common.Common
	pending bool // t was pressed: the next key picks the trailer
}

// NewKeys returns the review keys of one view.
func NewKeys(c *common.Common) *Keys { return &Keys{c: c} }

// Pending reports that t waits for its second key: the view must give it
// the next key, whatever it is (the root too: Capturing).
func (k *Keys) Pending() bool { return k.pending }

// Key handles msg for the mails targets (what r and t answer: the patch,
// or the series' cover, or each of its patches). ok is false for a key
// that is not a review key.
func (k *Keys) Key(msg tea.KeyPressMsg, targets []service.ReplyTarget) (tea.Cmd, bool) {
	km := k.c.Keys
	if k.pending {
		k.pending = false
		var trailer string
		switch {
		case key.Matches(msg, km.TrailerReviewed):
			trailer = "reviewed-by"
		case key.Matches(msg, km.TrailerAcked):
			trailer = "acked-by"
		case key.Matches(msg, km.TrailerTested):
			trailer = "tested-by"
		default:
			return common.Status("no trailer sent (t then r: Reviewed-by, a: Acked-by, t: Tested-by)"), true
		}
		return k.trailer(targets, trailer), true
	}
	switch {
	case key.Matches(msg, km.Trailer):
		if len(targets) == 0 {
			return common.Status("nothing to send a trailer to yet"), true
		}
		k.pending = true
		return common.Status("trailer: r Reviewed-by · a Acked-by · t Tested-by · any other key cancels"), true
	case key.Matches(msg, km.Reply):
		if len(targets) == 0 {
			return common.Status("nothing to reply to yet"), true
		}
		return Open(k.c, targets[0]), true
	}
	return nil, false
}

// trailer sends the trailer to every target, in one command.
func (k *Keys) trailer(targets []service.ReplyTarget, trailer string) tea.Cmd {
	c := k.c
	return func() tea.Msg {
		var sent []store.SentMail
		for _, t := range targets {
			m, err := c.Service.SendTrailer(c.Ctx, c.User, t, trailer)
			if err != nil {
				return changedOr(sent, err)
			}
			if m.Status != store.SentSent {
				return changedOr(sent, fmt.Errorf("not sent: %s (kept as a draft: press the keys again to retry with the same Message-ID)", m.Error))
			}
			sent = append(sent, *m)
		}
		return common.ChangedMsg{Status: sentStatus(trailerName(trailer), sent)}
	}
}

func trailerName(t string) string {
	parts := strings.Split(t, "-")
	parts[0] = strings.ToUpper(parts[0][:1]) + parts[0][1:]
	return strings.Join(parts, "-")
}

// sentStatus is the status line after mails went out.
func sentStatus(what string, sent []store.SentMail) string {
	if len(sent) == 1 {
		return what + " sent to " + strings.Join(sent[0].Rcpt, ", ") + ", waiting for the list"
	}
	return fmt.Sprintf("%s sent (%d mails), waiting for the list", what, len(sent))
}

// changedOr reports err, and reloads the views when some mails left
// before it (they show in their threads).
func changedOr(sent []store.SentMail, err error) tea.Msg {
	if len(sent) == 0 {
		return common.ErrorMsg{Err: err}
	}
	return tea.Sequence(common.Send(common.ChangedMsg{}), common.Error(err))()
}
