package notify_test

import (
	"context"
	"errors"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

const fromAddr = "Patchwork <patchwork@example.com>"

type fixture struct {
	s                                    store.Store
	proj                                 *store.Project
	maint                                *store.User
	alice, bob, carol                    *store.Person
	newState, review, accepted, rejected int64
}

func setup(t *testing.T, s store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s}
	f.proj = &store.Project{LinkName: "proj", Name: "Proj", ListID: "proj.example.com", ListEmail: "proj@example.com", SendNotifications: true}
	must(t, s.CreateProject(ctx, f.proj))
	f.maint = &store.User{Username: "maint", Email: "maint@example.com", Active: true}
	must(t, s.CreateUser(ctx, f.maint))
	must(t, s.AddMaintainer(ctx, f.proj.ID, f.maint.ID))
	var err error
	f.alice, err = s.UpsertPerson(ctx, "alice@example.com", "Alice", false)
	must(t, err)
	f.bob, err = s.UpsertPerson(ctx, "bob@example.com", "Bob", false)
	must(t, err)
	f.carol, err = s.UpsertPerson(ctx, "carol@example.com", "", false)
	must(t, err)
	states, err := s.ListStates(ctx)
	must(t, err)
	id := func(name string) int64 {
		st, ok := store.FindState(states, name)
		if !ok {
			t.Fatalf("no state %q among the default states", name)
		}
		return st.ID
	}
	f.newState, f.review, f.accepted, f.rejected = id("new"), id("under-review"), id("accepted"), id("rejected")
	return f
}

func (f *fixture) patch(t *testing.T, who *store.Person, name string) *store.Patch {
	t.Helper()
	p := &store.Patch{ProjectID: f.proj.ID, MsgID: "<" + name + "@example.com>", Name: "[PATCH] " + name,
		Date: time.Now().UTC(), SubmitterID: who.ID, StateID: f.newState, Diff: "--- a/x\n+++ b/x\n"}
	must(t, f.s.CreatePatch(context.Background(), p, nil))
	return p
}

func (f *fixture) setState(t *testing.T, p *store.Patch, state int64) {
	t.Helper()
	_, err := service.New(f.s, service.Options{}).EditPatch(context.Background(), f.maint, p.ID, store.PatchUpdate{StateID: &state}, service.UpstreamPolicy)
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mailer(t *testing.T, smtpd *smtptest.Server) *notify.Mailer {
	t.Helper()
	m, err := notify.NewMailer(notify.SMTPOptions{Host: smtpd.Host, Port: smtpd.Port, TLS: "none"}, fromAddr)
	must(t, err)
	return m
}

func newCron(t *testing.T, s store.Store, sender notify.Sender, now time.Time) *notify.Cron {
	return &notify.Cron{Store: s, Sender: sender, BaseURL: "http://pw.example.com", Delay: 10 * time.Minute,
		Now: func() time.Time { return now }}
}

// later is past the notification delay of every change made so far.
func later() time.Time { return time.Now().Add(11 * time.Minute) }

// parsed is a received mail, parsed back.
type parsed struct {
	to, from, subject, body string
}

func received(t *testing.T, smtpd *smtptest.Server) []parsed {
	t.Helper()
	var out []parsed
	for _, m := range smtpd.Messages() {
		msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
		must(t, err)
		var body strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := msg.Body.Read(buf)
			body.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if len(m.To) != 1 {
			t.Fatalf("mail to %v: want exactly one recipient", m.To)
		}
		out = append(out, parsed{to: m.To[0], from: msg.Header.Get("From"), subject: msg.Header.Get("Subject"), body: body.String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].to < out[j].to })
	return out
}

func TestOneMailPerSubmitter(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		a1, a2 := f.patch(t, f.alice, "a1"), f.patch(t, f.alice, "a2")
		b1, c1 := f.patch(t, f.bob, "b1"), f.patch(t, f.carol, "c1")
		f.setState(t, a1, f.accepted)
		f.setState(t, a2, f.rejected)
		f.setState(t, b1, f.accepted)
		f.setState(t, c1, f.review)

		// Too fresh: the delay holds every change back.
		rep, err := newCron(t, s, mailer(t, smtpd), time.Now()).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 0 {
			t.Fatalf("mailed before the delay: %+v", rep)
		}

		// Bob opted out: his change is dropped; Alice gets one mail for
		// both her patches, Carol one for hers.
		must(t, s.SetOptOut(ctx, "bob@example.com", true))
		at := later()
		rep, err = newCron(t, s, mailer(t, smtpd), at).Run(ctx)
		must(t, err)
		if rep.Mailed != 2 || rep.Patches != 3 || rep.OptedOut != 1 || rep.Failed != 0 {
			t.Fatalf("report %+v, want 2 mails covering 3 patches, 1 opted out", rep)
		}
		got := received(t, smtpd)
		if len(got) != 2 || got[0].to != "alice@example.com" || got[1].to != "carol@example.com" {
			t.Fatalf("recipients: %+v", got)
		}
		alice, carol := got[0], got[1]
		if alice.from != fromAddr && alice.from != `"Patchwork" <patchwork@example.com>` {
			t.Errorf("From = %q, want %q", alice.from, fromAddr)
		}
		if alice.subject != "Patch update notification: 2 patches updated" {
			t.Errorf("subject %q", alice.subject)
		}
		for _, want := range []string{"Hello Alice,", "proj: [PATCH] a1", "proj: [PATCH] a2", "was: New", "now: Accepted", "now: Rejected",
			"http://pw.example.com/patch/" + strconv.FormatInt(a1.ID, 10) + "/", "http://pw.example.com/patch/" + strconv.FormatInt(a2.ID, 10) + "/"} {
			if !strings.Contains(alice.body, want) {
				t.Errorf("Alice's mail lacks %q:\n%s", want, alice.body)
			}
		}
		if strings.Contains(alice.body, "b1") || strings.Contains(alice.body, "c1") {
			t.Errorf("Alice's mail names other people's patches:\n%s", alice.body)
		}
		if carol.subject != "Patch update notification: 1 patch updated" ||
			!strings.Contains(carol.body, "Hello carol@example.com,") || !strings.Contains(carol.body, "now: Under Review") {
			t.Errorf("Carol's mail: %q\n%s", carol.subject, carol.body)
		}

		// Idempotent: nothing is left, not even Bob's opted-out change.
		rep, err = newCron(t, s, mailer(t, smtpd), at).Run(ctx)
		must(t, err)
		if rep != (notify.Report{}) || len(smtpd.Messages()) != 2 {
			t.Fatalf("second run did something: %+v, %d mails", rep, len(smtpd.Messages()))
		}
	})
}

func TestChangesCollapse(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		// Two changes before cron runs: one line from the first state to
		// the last.
		p := f.patch(t, f.alice, "twice")
		f.setState(t, p, f.review)
		f.setState(t, p, f.accepted)
		// Changed and changed back: nothing to tell.
		q := f.patch(t, f.alice, "back")
		f.setState(t, q, f.rejected)
		f.setState(t, q, f.newState)

		rep, err := newCron(t, s, mailer(t, smtpd), later()).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 || rep.Patches != 1 {
			t.Fatalf("report %+v, want one mail covering one patch", rep)
		}
		body := received(t, smtpd)[0].body
		if !strings.Contains(body, "was: New") || !strings.Contains(body, "now: Accepted") ||
			strings.Contains(body, "Under Review") || strings.Contains(body, "back") {
			t.Errorf("mail:\n%s", body)
		}
		rep, err = newCron(t, s, mailer(t, smtpd), later()).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 1 {
			t.Fatalf("the changed-back patch stayed queued: %+v", rep)
		}
	})
}

func TestNotificationRetriedAfterSMTPFailure(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		f.setState(t, f.patch(t, f.alice, "a"), f.accepted)
		f.setState(t, f.patch(t, f.carol, "c"), f.accepted)
		at := later()

		// Alice's mail fails (mails go out in address order), Carol's
		// goes: only Alice's change stays queued.
		smtpd.FailNext(1)
		rep, err := newCron(t, s, mailer(t, smtpd), at).Run(ctx)
		must(t, err)
		if rep.Failed != 1 || rep.Mailed != 1 {
			t.Fatalf("report %+v, want one failure and one mail", rep)
		}
		if got := received(t, smtpd); len(got) != 1 || got[0].to != "carol@example.com" {
			t.Fatalf("received %+v", got)
		}
		rep, err = newCron(t, s, mailer(t, smtpd), at).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 || rep.Failed != 0 {
			t.Fatalf("failed notification was not retried: %+v", rep)
		}
		if got := received(t, smtpd); len(got) != 2 || got[0].to != "alice@example.com" {
			t.Fatalf("received %+v", got)
		}
		rep, err = newCron(t, s, mailer(t, smtpd), at).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 2 {
			t.Fatalf("third run mailed again: %+v", rep)
		}
	})
}

func TestUnreachableSMTPKeepsQueue(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		f.setState(t, f.patch(t, f.alice, "a"), f.accepted)
		// Port 1 on loopback: nothing listens, the connection is refused.
		m, err := notify.NewMailer(notify.SMTPOptions{Host: "127.0.0.1", Port: 1, TLS: "none", Timeout: 5 * time.Second}, fromAddr)
		must(t, err)
		rep, err := newCron(t, s, m, later()).Run(ctx)
		must(t, err)
		if rep.Failed != 1 {
			t.Fatalf("report %+v, want one failure", rep)
		}
		smtpd := smtptest.Start(t)
		rep, err = newCron(t, s, mailer(t, smtpd), later()).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 || len(smtpd.Messages()) != 1 {
			t.Fatalf("queued change not sent once SMTP came back: %+v", rep)
		}
	})
}

// crashAfterSend delivers through the real mailer, then ends the run the
// way a crash would: the mail is out, the queue not yet updated.
type crashAfterSend struct {
	m      *notify.Mailer
	cancel context.CancelFunc
}

func (c crashAfterSend) Send(ctx context.Context, to []string, subject, body string) error {
	err := c.m.Send(ctx, to, subject, body)
	c.cancel()
	return err
}

func TestCrashAfterSendResends(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		f.setState(t, f.patch(t, f.alice, "a"), f.accepted)
		at := later()

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := newCron(t, s, crashAfterSend{mailer(t, smtpd), cancel}, at).Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run with a crash after sending: err %v, want context.Canceled", err)
		}
		if len(smtpd.Messages()) != 1 {
			t.Fatalf("%d mails before the crash, want 1", len(smtpd.Messages()))
		}
		// At-least-once: the next run sends the same change again.
		rep, err := newCron(t, s, mailer(t, smtpd), at).Run(context.Background())
		must(t, err)
		if rep.Mailed != 1 || len(smtpd.Messages()) != 2 {
			t.Fatalf("after the crash: %+v, %d mails; want the change re-sent", rep, len(smtpd.Messages()))
		}
	})
}

// changeWhileSending makes a new state change between reading the queue and
// dequeuing it, as a maintainer working during a cron run would.
type changeWhileSending struct {
	m    *notify.Mailer
	then func()
}

func (c changeWhileSending) Send(ctx context.Context, to []string, subject, body string) error {
	if err := c.m.Send(ctx, to, subject, body); err != nil {
		return err
	}
	c.then()
	return nil
}

func TestChangeDuringRunStaysQueued(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		p := f.patch(t, f.alice, "a")
		f.setState(t, p, f.accepted)

		sender := changeWhileSending{mailer(t, smtpd), func() { f.setState(t, p, f.rejected) }}
		rep, err := newCron(t, s, sender, later()).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 {
			t.Fatalf("report %+v", rep)
		}
		rep, err = newCron(t, s, mailer(t, smtpd), later()).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 {
			t.Fatalf("the change made during the first run was lost: %+v", rep)
		}
		got := smtpd.Messages()
		if len(got) != 2 || !strings.Contains(string(got[1].Data), "now: Rejected") {
			t.Fatalf("second mail:\n%s", got[len(got)-1].Data)
		}
	})
}

func TestNoNotificationWhenProjectOptsOut(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		f.proj.SendNotifications = false
		must(t, s.UpdateProject(ctx, f.proj))
		smtpd := smtptest.Start(t)
		f.setState(t, f.patch(t, f.alice, "p"), f.accepted)
		rep, err := newCron(t, s, mailer(t, smtpd), time.Now().Add(time.Hour)).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 0 {
			t.Fatalf("mailed for a project without notifications: %+v", rep)
		}
	})
}

func TestNoSenderLeavesQueue(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		f.setState(t, f.patch(t, f.alice, "p"), f.accepted)
		if _, err := newCron(t, s, nil, later()).Run(ctx); err != nil {
			t.Fatal(err)
		}
		pending, err := s.PendingNotifications(ctx, later())
		must(t, err)
		if len(pending) != 1 {
			t.Fatalf("%d notifications queued after a run without mail, want 1", len(pending))
		}
	})
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		old := time.Now().UTC().Add(-30 * 24 * time.Hour)
		must(t, s.CreateConfirmation(ctx, &store.Confirmation{Type: "registration", Email: "new@example.com", Key: "k-old", Date: old, Active: true}))
		must(t, s.CreateConfirmation(ctx, &store.Confirmation{Type: "registration", Email: "new2@example.com", Key: "k-new", Date: time.Now().UTC(), Active: true}))
		stale := &store.User{Username: "stale", Email: "stale@example.com", Active: false, DateJoined: old}
		fresh := &store.User{Username: "fresh", Email: "fresh@example.com", Active: false, DateJoined: time.Now().UTC()}
		oldActive := &store.User{Username: "oldtimer", Email: "old@example.com", Active: true, DateJoined: old}
		for _, u := range []*store.User{stale, fresh, oldActive} {
			must(t, s.CreateUser(ctx, u))
		}
		c := &notify.Cron{Store: s, Now: time.Now}
		rep, err := c.Run(ctx)
		must(t, err)
		if rep.Confirmations != 1 || rep.Registrations != 1 {
			t.Fatalf("expired %d confirmations and %d registrations, want 1 and 1", rep.Confirmations, rep.Registrations)
		}
		if _, err := s.GetConfirmation(ctx, "k-new"); err != nil {
			t.Fatalf("fresh confirmation gone: %v", err)
		}
		if _, err := s.GetConfirmation(ctx, "k-old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old confirmation: err %v, want not found", err)
		}
		if _, err := s.GetUserByName(ctx, "stale"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("never-activated old user: err %v, want not found", err)
		}
		for _, name := range []string{"fresh", "oldtimer"} {
			if _, err := s.GetUserByName(ctx, name); err != nil {
				t.Fatalf("user %s expired: %v", name, err)
			}
		}
	})
}
