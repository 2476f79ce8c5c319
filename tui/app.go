package tui

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	"github.com/patchwork-go/patchwork/tui/keymap"
	"github.com/patchwork-go/patchwork/tui/pages/projects"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// Model is the root model of one session.
type Model struct {
	c       *common.Common
	stack   []common.Page
	status  string
	isErr   bool
	fixedBG bool
	poll    time.Duration
	lastEv  int64
	polled  bool
	watcher *store.Watcher
	initial int64
	// The project (and query) to open first; auto: the only project.
	initialProject, initialQuery string
	auto                         bool
	quitting                     bool
	askQuit                      bool // "quit? y/n" shows in the status line
	keyQueue                          // keys.go
	// undo takes back the session's last change (u); nil: none, or
	// already undone.
	undo *common.Undo
	// covered holds what the root knew of each Followed page when another
	// page covered it (see reshow).
	covered map[common.Page]cover

	// Drawing a frame costs far more than the poll that triggers most
	// Updates, and bubbletea asks for one after every message: a frame is
	// kept until a message that can change it arrives (see frame).
	frame   frameCache
	grace   graceFrame           // nav.go
	footers map[string]string    // drawn footers by footerLine's key
	headers map[headerKey]string // drawn headers by headerLine's key
}

// frameCache is the last frame drawn.
type frameCache struct {
	valid   bool
	at      time.Time
	content string
}

// frameMaxAge bounds how long a kept frame shows: relative dates ("5m
// ago") move on with the clock, not with messages.
const frameMaxAge = 10 * time.Second

type headerKey struct {
	title, user string
	width       int
	dark        bool
}

// New builds the root model for one session.
func New(o Options) tea.Model {
	if o.Ctx == nil {
		o.Ctx = context.Background()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	dark := true
	if o.IsDark != nil {
		dark = *o.IsDark
	}
	keys, keyErr := keymap.Default(), error(nil)
	if o.StateKeys != nil {
		if k, err := keymap.Default().WithStates(o.StateKeys); err != nil {
			keyErr = err
		} else {
			keys = k
		}
	}
	c := &common.Common{
		Ctx: o.Ctx, Store: o.Store, Service: service.Or(o.Service, o.Store, o.Now), User: o.User, Now: o.Now, Logger: o.Logger,
		Styles: styles.Shared(dark), Keys: keys, SSH: o.SSH,
		Drafts: map[service.ReplyTarget]string{},
	}
	if o.User == nil {
		// Anonymous sessions change nothing: they are not shown the keys
		// that would.
		c.Keys = c.Keys.ReadOnly()
	}
	m := &Model{c: c, fixedBG: o.IsDark != nil, poll: o.PollInterval, initial: o.InitialPatchID, watcher: o.Watcher,
		covered: map[common.Page]cover{}, initialProject: o.InitialProject, initialQuery: o.InitialQuery,
		auto: o.InitialPatchID == 0 && (o.InitialProject != "" || o.OpenSoleProject)}
	if m.poll <= 0 {
		m.poll = time.Second
	}
	if m.watcher == nil {
		m.watcher = store.NewWatcher(o.Store, 0, nil)
	}
	c.Counts = m.watcher.Counts
	if keyErr != nil {
		m.status, m.isErr = "state keys: "+keyErr.Error()+" (the defaults apply)", true
	}
	m.resize(o.Width, o.Height)
	m.stack = []common.Page{projects.New(c)}
	if o.Gate != nil {
		return &gated{m: m, g: o.Gate, ctx: o.Ctx}
	}
	return m
}

// The header and footer take one line each, the status line one more.
const chrome = 3

func (m *Model) resize(w, h int) {
	m.c.Width = max(w, 20)
	m.c.Height = max(h-chrome, 3)
}

func (m *Model) top() common.Page { return m.stack[len(m.stack)-1] }

// Init asks for the background colour, loads the first page and starts
// polling the event log.
func (m *Model) Init() tea.Cmd {
	// The first read of the event log runs before the page loads: a change
	// between the two then shows at the next poll instead of never.
	first := []tea.Cmd{m.checkEvents(), m.top().Init()}
	if m.initial != 0 {
		first = append(first, m.open(common.OpenPatchMsg{ID: m.initial}))
	} else if m.auto {
		first = append(first, m.firstProject(m.initialProject, m.initialQuery))
	}
	cmds := []tea.Cmd{tea.Sequence(first...)}
	if !m.fixedBG {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update routes a message: session-wide messages here, the rest to the
// page on top. Keys are queued and applied by drain (keys.go).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tickMsg, eventMsg, probeMsg, reshownMsg, tea.KeyPressMsg, flushKeysMsg:
		// A poll changes nothing on screen unless it reloads the page,
		// and the reload's own message redraws; keys redraw when drain
		// applies them.
	default:
		m.frame.valid = false
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m, m.queueKey(msg)
	case flushKeysMsg:
		m.flushing = false
		return m, m.drain()
	}
	cmd := m.route(msg)
	if len(m.keys) > 0 {
		// The message may have made the page ready for the keys typed
		// ahead (a load answered).
		cmd = tea.Batch(cmd, m.drain())
	}
	return m, cmd
}

// route handles every message but the queued keys themselves.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		return tea.Batch(msg...)
	case tea.KeyPressMsg:
		// A key a command sent (not typed): it goes through the queue.
		return m.queueKey(msg)
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return nil
	case tea.BackgroundColorMsg:
		if !m.fixedBG {
			// Styles live in Common, so every page redraws with them.
			m.c.Styles = styles.Shared(msg.IsDark())
		}
		return nil
	case tickMsg:
		return m.checkEvents()
	case reshownMsg:
		return m.reshown(msg)
	case eventMsg:
		return m.onEvent(msg)
	case firstProjectMsg:
		m.opening = false
		return m.route(msg.open)
	case restartingMsg:
		m.status, m.isErr = "server restarting: reconnect in a moment", true
		m.quitting = true
		return tea.Quit
	case probeMsg:
		select {
		case msg.ch <- m.View().Content:
		default:
		}
		return nil
	case common.ErrorMsg:
		m.status, m.isErr = common.Describe(msg.Err), true
		if !errors.Is(msg.Err, context.Canceled) {
			m.c.Logger.Debug("tui error", "err", msg.Err)
		}
		return nil
	case common.StatusMsg:
		m.status, m.isErr = msg.Text, false
		return nil
	case common.ChangedMsg:
		m.status, m.isErr = msg.Status, false
		// The last change is the one u takes back: one it cannot undo
		// (a bundle deleted) leaves nothing to undo, never an older one.
		m.undo = msg.Undo
		// The pages below may show what changed: they reload when they
		// show again.
		clear(m.covered)
		return m.top().Reload()
	case common.UndoneMsg:
		return m.undone(msg)
	case common.PushMsg:
		m.push(msg.Page)
		return msg.Page.Init()
	case common.BackMsg:
		return m.back()
	case common.SwapMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		return m.open(msg.Open)
	case common.OpenProjectsMsg:
		m.stack = m.stack[:1]
		m.prune()
		return m.top().Reload()
	}
	if cmd := m.open(msg); cmd != nil {
		return cmd
	}
	return m.pageUpdate(msg)
}

// pageUpdate hands msg to the page on top, then follows the navigation
// it asked for (common.Go) before anything else can reach it.
func (m *Model) pageUpdate(msg tea.Msg) tea.Cmd {
	cmd := m.top().Update(msg)
	for _, nav := range m.c.TakeNav() {
		cmd = tea.Batch(cmd, m.route(nav))
	}
	return cmd
}

// globalKey handles the keys that work on every page (unless the page is
// reading text).
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.c.Keys
	if m.top().Capturing() {
		return nil, false
	}
	m.status = "" // a key press dismisses the last message
	if m.c.User == nil && k.IsWrite(msg) {
		if slices.Contains(k.Todo.Keys(), msg.String()) {
			return m.open(common.OpenTodoMsg{}), true // which says why not
		}
		return common.Error(common.ErrAnonymous), true
	}
	switch {
	case key.Matches(msg, k.Undo):
		return m.runUndo(), true
	case key.Matches(msg, k.Back):
		if len(m.stack) == 1 {
			// The top screen: q asks, esc does nothing (it is "back" on
			// every other page, and a reflex).
			if msg.String() == "esc" {
				m.status = "q quits, ctrl+c at once"
				return nil, true
			}
			m.askQuit = true
			return nil, true
		}
		return m.back(), true
	case key.Matches(msg, k.Help):
		return m.open(common.OpenTextMsg{Title: "help", Lines: m.helpLines()}), true
	case key.Matches(msg, k.Todo):
		return m.open(common.OpenTodoMsg{}), true
	case key.Matches(msg, k.Bundles):
		return m.open(common.OpenBundlesMsg{}), true
	case key.Matches(msg, k.Projects):
		m.stack = m.stack[:1]
		m.prune()
		return m.top().Reload(), true
	}
	return nil, false
}

// back closes the top page; the page below is reloaded if it may have
// changed meanwhile (reshow). The last page stays: quitting is q's
// question or ctrl+c.
func (m *Model) back() tea.Cmd {
	if len(m.stack) == 1 {
		return nil
	}
	m.stack = m.stack[:len(m.stack)-1]
	return m.reshow()
}

// cover is what the root knew of a Followed page when it was covered.
type cover struct {
	ev    int64 // the session's event baseline then (lastEv)
	fresh bool  // the page was settled, on a baseline already read
}

// push puts p on top of the stack, noting what the covered page was
// up to. A page noted already (covered by a swapped page, or shown again
// while reshow's check runs) keeps its older baseline; it must be settled
// now as well.
func (m *Model) push(p common.Page) {
	below := m.top()
	if f, ok := below.(common.Followed); ok {
		settled := m.polled && f.Settled()
		if cv, noted := m.covered[below]; noted {
			cv.fresh = cv.fresh && settled
			m.covered[below] = cv
		} else {
			m.covered[below] = cover{ev: m.lastEv, fresh: settled}
		}
	}
	m.stack = append(m.stack, p)
}

// prune forgets the notes of pages no longer on the stack.
func (m *Model) prune() {
	for p := range m.covered {
		if !slices.Contains(m.stack, p) {
			delete(m.covered, p)
		}
	}
}

// reshownMsg says whether a page shown again must reload.
type reshownMsg struct {
	page  common.Page
	stale bool
}

// reshow reloads the page on top, which shows again after the pages over
// it closed. Reloading the patch list was most of what going back cost
// (two keyset queries of a large project, every time a reviewer leaves a
// patch): a Followed page that was settled when covered reloads only if
// the event log moved for its project since (or this session changed
// something, which drops the notes: see ChangedMsg). A change the watcher
// has not read yet is as late as on a page that was never covered: the
// next poll, whose baseline is older than it, reloads the page.
//
// The note stays while the log is read: a page covered again before the
// answer keeps it (push keeps an older note), and the answer marks it.
func (m *Model) reshow() tea.Cmd {
	p := m.top()
	m.prune()
	cv, noted := m.covered[p]
	f, ok := p.(common.Followed)
	// Not settled now: a load it started before it was covered answered
	// to the page above, and is lost.
	if !ok || !noted || !cv.fresh || !f.Settled() {
		delete(m.covered, p)
		return p.Reload()
	}
	c, w, project := m.c, m.watcher, f.ProjectID()
	return func() tea.Msg {
		_, changed, err := w.Check(c.Ctx, cv.ev, project)
		return reshownMsg{page: p, stale: changed || err != nil}
	}
}

// reshown applies the answer of reshow's check.
func (m *Model) reshown(msg reshownMsg) tea.Cmd {
	if msg.page == m.top() {
		delete(m.covered, msg.page)
		if msg.stale {
			return msg.page.Reload()
		}
		return nil
	}
	// Covered again meanwhile: it reloads when it next shows.
	if cv, noted := m.covered[msg.page]; noted && msg.stale {
		cv.fresh = false
		m.covered[msg.page] = cv
	}
	return nil
}

// View draws header, page, status line and footer.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if m.quitting {
		return v
	}
	if m.grace.content != "" {
		if l, ok := m.top().(common.Loader); ok && !l.Loaded() && m.c.Now().Before(m.grace.until) {
			v.SetContent(m.grace.content)
			return v
		}
		m.grace = graceFrame{}
	}
	if now := m.c.Now(); m.frame.valid && now.Sub(m.frame.at) < frameMaxAge && !now.Before(m.frame.at) {
		v.SetContent(m.frame.content)
		return v
	}
	st, w := m.c.Styles, m.c.Width
	status := ""
	if m.askQuit {
		status = st.Error.Render("Quit patchwork? y/n")
	} else if m.status != "" {
		if m.isErr {
			status = st.Error.Render(m.status)
		} else {
			status = st.Status.Render(m.status)
		}
	}
	content := m.headerLine() + "\n" + m.top().View() + "\n" + common.Fit(status, w) + "\n" + m.footerLine()
	// The pages pad their lines to the width; the renderer would decode
	// every padding space only to find the cell it had just cleared.
	content = common.TrimPadding(content)
	if content == m.frame.content {
		// The same frame again is handed over as the same string: the
		// renderer compares every tick's view with the last one it drew,
		// and two equal strings at different addresses are compared byte
		// by byte, 30 times a second for as long as the session idles
		// (a third of an idle session's CPU).
		content = m.frame.content
	}
	m.frame = frameCache{valid: true, at: m.c.Now(), content: content}
	v.SetContent(content)
	return v
}

// headerLine is the top bar, drawn again only when it changes. Headers
// are kept per key like footers: going back to the list shows its header
// again.
func (m *Model) headerLine() string {
	st, w := m.c.Styles, m.c.Width
	user := "anonymous (read-only)"
	if m.c.User != nil {
		user = m.c.User.Username
	}
	k := headerKey{title: m.top().Title(), user: user, width: w, dark: st.IsDark}
	if h, ok := m.headers[k]; ok {
		return h
	}
	right := st.HeaderUser.Render(user)
	left := st.Header.Render("patchwork › " + k.title)
	gap := max(w-lipgloss.Width(left)-lipgloss.Width(right), 0)
	header := left + st.HeaderFill.Render(spaces(gap)) + right
	if lipgloss.Width(header) > w {
		header = common.Fit(left, w)
	}
	if len(m.headers) >= maxFooters || m.headers == nil {
		// Every patch has a title of its own: start again now and then.
		m.headers = make(map[headerKey]string, maxFooters)
	}
	m.headers[k] = header
	return header
}

// maxFooters bounds the footers (and headers) kept: a session shows a
// handful of pages.
const maxFooters = 16

// footerLine is the key summary, drawn again only when the page's keys
// or the width change. Footers are kept per key, not just the last one:
// a reviewer goes back and forth between the list and a patch, and each
// switch would draw the other page's footer again.
func (m *Model) footerLine() string {
	st, w := m.c.Styles, m.c.Width
	bindings := append(m.top().ShortHelp(), m.c.Keys.Help)
	var kb strings.Builder
	kb.WriteString(strconv.Itoa(w))
	kb.WriteString(strconv.FormatBool(st.IsDark))
	for _, b := range bindings {
		h := b.Help()
		kb.WriteString("\x00" + h.Key + "\x00" + h.Desc + "\x00" + strconv.FormatBool(b.Enabled()))
	}
	k := kb.String()
	if f, ok := m.footers[k]; ok {
		return f
	}
	if len(m.footers) >= maxFooters || m.footers == nil {
		// Resizes and colour changes leave keys that never come back.
		m.footers = make(map[string]string, maxFooters)
	}
	f := components.Footer(st, w, bindings)
	m.footers[k] = f
	return f
}

func spaces(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}
