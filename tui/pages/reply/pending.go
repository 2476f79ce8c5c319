package reply

import (
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
)

// Pending reads the mails sent to t that the list has not delivered back
// yet, for the thread: everyone's sent mail, and the session user's own
// drafts. An error leaves the thread without them rather than failing
// the view.
func Pending(c *common.Common, t service.ReplyTarget) []Sent {
	ms, err := c.Service.PendingMail(c.Ctx, t)
	if err != nil {
		c.Logger.Debug("pending sent mail", "target", t.String(), "err", err)
		return nil
	}
	var out []Sent
	var ids []int64
	for _, m := range ms {
		if m.Status == store.SentSent || m.UserID == c.UserID() {
			out = append(out, Sent{Mail: m})
			ids = append(ids, m.UserID)
		}
	}
	if len(out) == 0 {
		return nil
	}
	users, err := c.Store.GetUsers(c.Ctx, ids)
	if err != nil {
		c.Logger.Debug("senders of pending mail", "err", err)
	}
	for i := range out {
		u := users[out[i].Mail.UserID]
		out[i].From = u.Username
		if u.Email != "" {
			out[i].From += " <" + u.Email + ">"
		}
	}
	return out
}

// Sent is a pending mail and who sent it.
type Sent struct {
	Mail store.SentMail
	From string
}

// PendingLines shows the mails of Pending under the comments: who sent
// what, and that the list has not carried it yet (or why it did not go).
func PendingLines(c *common.Common, ms []Sent) []string {
	if len(ms) == 0 {
		return nil
	}
	st := c.Styles
	out := []string{"", st.Section.Render("Sent from patchwork")}
	for _, sm := range ms {
		m := sm.Mail
		state := st.Muted.Render("sent, waiting for the list")
		when := m.Sent
		if m.Status != store.SentSent {
			state = st.Error.Render("draft, not sent: " + common.Sanitize(m.Error))
			when = m.Created
		}
		out = append(out, "", st.Bold.Render(common.Sanitize(sm.From))+st.Muted.Render(" · "+common.RelTime(c.Now(), when)+" · ")+state)
		for _, l := range strings.Split(strings.TrimRight(body(m.Raw), "\n"), "\n") {
			out = append(out, "  "+common.Sanitize(l))
		}
	}
	return out
}

// body is the text of a rendered mail (what patchwork wrote: 7bit or
// 8bit; a quoted-printable one shows as is).
func body(raw []byte) string {
	_, b, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		return ""
	}
	return strings.ReplaceAll(b, "\r\n", "\n")
}
