package reply

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/compose"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
)

// maxDraftLines is what the editor holds (the textarea's own cap): a
// quote of a bigger patch is cut, with a line saying so.
const maxDraftLines = 9000

// Open checks that the user may reply to t and opens the editor on its
// draft (the one closed unsent in this session, else the quoted mail);
// a refusal says why in the status line.
func Open(c *common.Common, t service.ReplyTarget) tea.Cmd {
	// Drafts belongs to Update's goroutine: read it here, not in the command.
	kept, ok := c.Drafts[t]
	return func() tea.Msg {
		d, err := c.Service.NewReplyDraft(c.Ctx, c.User, t)
		if err != nil {
			return common.ErrorMsg{Err: err}
		}
		if ok {
			d.Body = kept
		}
		return common.PushMsg{Page: newEditor(c, d)}
	}
}

// Editor is the reply page: the headers, then the body in a textarea.
// ctrl+s asks to send (showing the headers), esc closes it and keeps the
// text for the session.
type Editor struct {
	c       *common.Common
	d       *service.ReplyDraft
	ta      textarea.Model
	confirm bool  // asking "send?"
	sending bool  // the send is in flight
	draftID int64 // the refused send's draft: ctrl+s retries it
	err     string
}

func newEditor(c *common.Common, d *service.ReplyDraft) *Editor {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.MaxHeight = 0 // no line limit beyond the textarea's own
	ta.MaxWidth = 0
	ta.CharLimit = 0
	ta.SetStyles(textarea.DefaultStyles(c.Styles.IsDark))
	// The clipboard they use is the daemon machine's (xclip run there),
	// not the reviewer's: a terminal paste arrives as text anyway.
	ta.KeyMap.Paste.SetEnabled(false)
	ta.KeyMap.CopySelection.SetEnabled(false)
	ta.SetValue(cut(d.Body))
	ta.MoveToBegin()
	e := &Editor{c: c, d: d, ta: ta, draftID: d.ID}
	if d.ID != 0 {
		e.err = "not sent before: " + d.Error + " (ctrl+s retries, same Message-ID)"
	}
	e.size()
	return e
}

// cut keeps a draft within what the textarea holds.
func cut(body string) string {
	lines := strings.Split(body, "\n")
	if len(lines) <= maxDraftLines {
		return body
	}
	return strings.Join(lines[:maxDraftLines], "\n") + fmt.Sprintf("\n> [... %d more lines cut]\n", len(lines)-maxDraftLines)
}

// headerLines are the headers shown above the body.
func (e *Editor) headerLines() []string {
	st, h := e.c.Styles, e.d.Headers
	list := func(as []compose.Address) string {
		parts := make([]string, len(as))
		for i, a := range as {
			parts[i] = common.Sanitize(a.String())
		}
		return strings.Join(parts, ", ")
	}
	out := []string{
		st.Label.Render("From:    ") + " " + common.Sanitize(e.d.From.String()),
		st.Label.Render("To:      ") + " " + list(h.To),
	}
	if len(h.Cc) > 0 {
		out = append(out, st.Label.Render("Cc:      ")+" "+list(h.Cc))
	}
	return append(out, st.Label.Render("Subject: ")+" "+common.Sanitize(h.Subject))
}

// chrome is the lines around the textarea: headers, a rule, the hint.
func (e *Editor) chrome() int { return len(e.headerLines()) + 2 }

func (e *Editor) size() {
	e.ta.SetWidth(max(e.c.Width, 10))
	e.ta.SetHeight(max(e.c.Height-e.chrome(), 1))
}

// Init implements common.Page.
func (e *Editor) Init() tea.Cmd { return e.ta.Focus() }

// Reload implements common.Page: the draft is the user's, nothing to reload.
func (e *Editor) Reload() tea.Cmd { return nil }

// Title implements common.Page.
func (e *Editor) Title() string { return "reply to " + e.d.Target.String() }

// Capturing implements common.Page: every key is text.
func (e *Editor) Capturing() bool { return true }

// ShortHelp implements common.Page.
func (e *Editor) ShortHelp() []key.Binding {
	k := e.c.Keys
	return []key.Binding{k.Send, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close, keep the draft"))}
}

type sentMsg struct {
	m   *store.SentMail
	err error
}

// Update implements common.Page.
func (e *Editor) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sentMsg:
		e.sending = false
		if msg.err != nil {
			e.err = common.Describe(msg.err)
			return common.Error(msg.err)
		}
		if msg.m.Status != store.SentSent {
			e.draftID = msg.m.ID
			e.err = "not sent: " + msg.m.Error + " (kept as a draft: ctrl+s retries, same Message-ID)"
			return common.Error(fmt.Errorf("not sent: %s", msg.m.Error))
		}
		delete(e.c.Drafts, e.d.Target)
		return tea.Sequence(common.Back, common.Send(common.ChangedMsg{Status: sentStatus("reply", []store.SentMail{*msg.m})}))
	case tea.KeyPressMsg:
		if e.sending {
			return nil
		}
		if e.confirm {
			switch msg.String() {
			case "y", "enter":
				e.confirm, e.sending = false, true
				return e.send()
			case "n", "esc", "q":
				e.confirm = false
			}
			return nil
		}
		switch {
		case key.Matches(msg, e.c.Keys.Send):
			if strings.TrimSpace(e.ta.Value()) == "" {
				return common.Status("the reply is empty")
			}
			e.confirm = true
			return nil
		case msg.String() == "esc":
			e.c.Drafts[e.d.Target] = e.ta.Value()
			return tea.Sequence(common.Back, common.Status("draft kept for this session: r opens it again"))
		}
	}
	var cmd tea.Cmd
	e.ta, cmd = e.ta.Update(msg)
	return cmd
}

// send sends the text, or retries the refused draft with it.
func (e *Editor) send() tea.Cmd {
	c, d, body, id := e.c, e.d, e.ta.Value(), e.draftID
	return func() tea.Msg {
		if id != 0 {
			m, err := c.Service.EditMail(c.Ctx, c.User, id, body)
			return sentMsg{m: m, err: err}
		}
		m, err := c.Service.SendReply(c.Ctx, c.User, d.Target, body)
		return sentMsg{m: m, err: err}
	}
}

// View implements common.Page.
func (e *Editor) View() string {
	st, w, h := e.c.Styles, e.c.Width, e.c.Height
	out := e.headerLines()
	if e.confirm || e.sending {
		rcpt := len(e.d.Headers.To) + len(e.d.Headers.Cc)
		out = append(out, "", st.Bold.Render(fmt.Sprintf("Send this mail to %d recipients? ", rcpt))+st.Muted.Render("y/enter: send · n/esc: back to the text"))
		if e.sending {
			out = append(out, "", st.Muted.Render("sending…"))
		}
		return common.PadLines(strings.Join(out, "\n"), w, h)
	}
	e.size()
	hint := st.Muted.Render(strings.Repeat("─", min(w, 40)) + " ctrl+s: send · esc: close (draft kept)")
	if e.err != "" {
		hint = st.Error.Render(common.Sanitize(e.err))
	}
	out = append(out, common.Fit(hint, w), e.ta.View())
	return common.PadLines(strings.Join(out, "\n"), w, h)
}
