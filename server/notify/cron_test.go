package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

type fixture struct {
	s        store.Store
	proj     *store.Project
	maint    *store.User
	alice    *store.Person
	bob      *store.Person
	accepted int64
	rejected int64
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
	states, err := s.ListStates(ctx)
	must(t, err)
	acc, _ := store.FindState(states, "accepted")
	rej, _ := store.FindState(states, "rejected")
	f.accepted, f.rejected = acc.ID, rej.ID
	return f
}

func (f *fixture) patch(t *testing.T, who *store.Person, name string) *store.Patch {
	t.Helper()
	states, _ := f.s.ListStates(context.Background())
	p := &store.Patch{ProjectID: f.proj.ID, MsgID: "<" + name + "@example.com>", Name: name,
		Date: time.Now().UTC(), SubmitterID: who.ID, StateID: states[0].ID, Diff: "--- a/x\n+++ b/x\n"}
	must(t, f.s.CreatePatch(context.Background(), p, nil))
	return p
}

func (f *fixture) setState(t *testing.T, p *store.Patch, state int64) {
	t.Helper()
	_, err := store.EditPatch(context.Background(), f.s, f.maint, p.ID, store.PatchUpdate{StateID: &state}, false)
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newCron(t *testing.T, s store.Store, smtpd *smtptest.Server, now time.Time) *notify.Cron {
	m, err := notify.NewMailer(notify.SMTPOptions{Host: smtpd.Host, Port: smtpd.Port, TLS: "none"}, "Patchwork <patchwork@example.com>")
	must(t, err)
	return &notify.Cron{Store: s, Sender: m, BaseURL: "http://pw.example.com", Delay: 10 * time.Minute,
		Now: func() time.Time { return now }}
}

func TestNotifications(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		a1, a2, b1 := f.patch(t, f.alice, "a1"), f.patch(t, f.alice, "a2"), f.patch(t, f.bob, "b1")
		f.setState(t, a1, f.accepted)
		f.setState(t, a2, f.rejected)
		f.setState(t, b1, f.accepted)

		// Too fresh: the delay holds them back.
		rep, err := newCron(t, s, smtpd, time.Now()).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 0 {
			t.Fatalf("mailed before the delay: %+v", rep)
		}

		// Bob opted out: his change is dropped, Alice gets one mail for both.
		must(t, s.SetOptOut(ctx, "bob@example.com", true))
		later := time.Now().Add(11 * time.Minute)
		rep, err = newCron(t, s, smtpd, later).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 || rep.Patches != 2 || rep.OptedOut != 1 {
			t.Fatalf("report %+v, want 1 mail covering 2 patches, 1 opted out", rep)
		}
		msgs := smtpd.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "alice@example.com" {
			t.Fatalf("messages: %+v", msgs)
		}
		body := string(msgs[0].Data)
		for _, want := range []string{"a1", "a2", "was: New", "now: Accepted", "now: Rejected", "/patch/"} {
			if !strings.Contains(body, want) {
				t.Errorf("mail lacks %q:\n%s", want, body)
			}
		}

		// Idempotent: a second run sends nothing.
		rep, err = newCron(t, s, smtpd, later).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 1 {
			t.Fatalf("second run mailed again: %+v", rep)
		}
	})
}

func TestNotificationRetriedAfterSMTPFailure(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		smtpd := smtptest.Start(t)
		p := f.patch(t, f.alice, "p")
		f.setState(t, p, f.accepted)
		later := time.Now().Add(11 * time.Minute)

		smtpd.FailNext(1)
		rep, err := newCron(t, s, smtpd, later).Run(ctx)
		must(t, err)
		if rep.Failed != 1 || rep.Mailed != 0 {
			t.Fatalf("report %+v, want one failure", rep)
		}
		rep, err = newCron(t, s, smtpd, later).Run(ctx)
		must(t, err)
		if rep.Mailed != 1 || len(smtpd.Messages()) != 1 {
			t.Fatalf("failed notification was not retried: %+v", rep)
		}
	})
}

func TestNoNotificationWhenProjectOptsOut(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		f.proj.SendNotifications = false
		must(t, s.UpdateProject(ctx, f.proj))
		smtpd := smtptest.Start(t)
		p := f.patch(t, f.alice, "p")
		f.setState(t, p, f.accepted)
		rep, err := newCron(t, s, smtpd, time.Now().Add(time.Hour)).Run(ctx)
		must(t, err)
		if rep.Mailed != 0 || len(smtpd.Messages()) != 0 {
			t.Fatalf("mailed for a project without notifications: %+v", rep)
		}
	})
}

func TestExpiry(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		old := time.Now().UTC().Add(-30 * 24 * time.Hour)
		must(t, s.CreateConfirmation(ctx, &store.Confirmation{Type: "registration", Email: "new@example.com", Key: "k-old", Date: old, Active: true}))
		must(t, s.CreateConfirmation(ctx, &store.Confirmation{Type: "registration", Email: "new2@example.com", Key: "k-new", Date: time.Now().UTC(), Active: true}))
		c := &notify.Cron{Store: s, Now: time.Now}
		rep, err := c.Run(ctx)
		must(t, err)
		if rep.Confirmations != 1 {
			t.Fatalf("expired %d confirmations, want 1", rep.Confirmations)
		}
		if _, err := s.GetConfirmation(ctx, "k-new"); err != nil {
			t.Fatalf("fresh confirmation gone: %v", err)
		}
	})
}
