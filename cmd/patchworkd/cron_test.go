package main

import (
	"context"
	"encoding/json"
	"net/mail"
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

// cronFixture is a project with notifications on, its maintainer and one
// submitter, in a database that `patchworkd cron` is pointed at.
type cronFixture struct {
	db    string
	s     store.Store
	proj  *store.Project
	maint *store.User
	sub   *store.Person
	n     int
}

func newCronFixture(t *testing.T, dialect string) *cronFixture {
	t.Helper()
	ctx := context.Background()
	f := &cronFixture{db: sqltest.URL(t, dialect)}
	f.s = openDB(t, f.db)
	f.proj = &store.Project{LinkName: "proj", Name: "Proj", ListID: "proj.example.com", ListEmail: "proj@example.com", SendNotifications: true}
	if err := f.s.CreateProject(ctx, f.proj); err != nil {
		t.Fatal(err)
	}
	f.maint = &store.User{Username: "maint", Email: "maint@example.com", Active: true}
	if err := f.s.CreateUser(ctx, f.maint); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddMaintainer(ctx, f.proj.ID, f.maint.ID); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.sub, err = f.s.UpsertPerson(ctx, "dev@example.com", "Dev Eloper", false); err != nil {
		t.Fatal(err)
	}
	return f
}

// accept makes a new patch and accepts it, which queues a notification.
func (f *cronFixture) accept(t *testing.T) *store.Patch {
	t.Helper()
	ctx := context.Background()
	states, err := f.s.ListStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := store.FindState(states, "accepted")
	f.n++
	p := &store.Patch{ProjectID: f.proj.ID, MsgID: "<p" + strconv.Itoa(f.n) + "@example.com>", Name: "[PATCH] change " + strconv.Itoa(f.n),
		Date: time.Now().UTC(), SubmitterID: f.sub.ID, StateID: states[0].ID, Diff: "--- a/x\n+++ b/x\n"}
	if err := f.s.CreatePatch(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := service.New(f.s, service.Options{}).EditPatch(ctx, f.maint, p.ID, store.PatchUpdate{StateID: &acc.ID}, service.UpstreamPolicy); err != nil {
		t.Fatal(err)
	}
	return p
}

func cronReport(t *testing.T, r result) notify.Report {
	t.Helper()
	var rep notify.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("cron --json: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return rep
}

func TestCronCommand(t *testing.T) {
	t.Parallel()
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			f := newCronFixture(t, d)
			smtpd := smtptest.Start(t)
			env := map[string]string{
				"PATCHWORK_SMTP_HOST":                    smtpd.Host,
				"PATCHWORK_SMTP_PORT":                    strconv.Itoa(smtpd.Port),
				"PATCHWORK_SMTP_NOTIFICATION_FROM_EMAIL": "Patchwork Notifier <notify@pw.example.org>",
				"PATCHWORK_BASE_URL":                     "https://pw.example.org",
			}
			p := f.accept(t)

			// The default delay of 10 minutes holds a fresh change back.
			out := mustPW(t, f.db, env, "", "cron")
			if !strings.HasPrefix(out, "mailed 0 ") || len(smtpd.Messages()) != 0 {
				t.Fatalf("cron mailed a change younger than the delay: %s", out)
			}

			env["PATCHWORK_NOTIFICATION_DELAY_MINUTES"] = "0"
			out = mustPW(t, f.db, env, "", "cron")
			if !strings.HasPrefix(out, "mailed 1 (covering 1 patches)") {
				t.Fatalf("cron: %s", out)
			}
			msgs := smtpd.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "dev@example.com" || msgs[0].From != "notify@pw.example.org" {
				t.Fatalf("messages: %+v", msgs)
			}
			m, err := mail.ReadMessage(strings.NewReader(string(msgs[0].Data)))
			if err != nil {
				t.Fatal(err)
			}
			if from := m.Header.Get("From"); !strings.Contains(from, "notify@pw.example.org") {
				t.Errorf("From: %q", from)
			}
			if !strings.Contains(string(msgs[0].Data), "https://pw.example.org/patch/"+strconv.FormatInt(p.ID, 10)+"/") {
				t.Errorf("mail lacks the patch link:\n%s", msgs[0].Data)
			}

			// Twice sends nothing twice.
			if rep := cronReport(t, pw(t, f.db, env, "", "cron", "--json")); rep != (notify.Report{}) {
				t.Fatalf("second run: %+v", rep)
			}

			// --no-mail leaves the queue alone.
			f.accept(t)
			mustPW(t, f.db, env, "", "cron", "--no-mail")
			// A refused mail fails the run and stays queued...
			smtpd.FailNext(1)
			r := pw(t, f.db, env, "", "cron", "--json")
			if r.code == 0 || cronReport(t, r).Failed != 1 || !strings.Contains(r.stderr, "stay queued") {
				t.Fatalf("cron with SMTP refusing: exit %d, %s %s", r.code, r.stdout, r.stderr)
			}
			// ...and goes out on the next.
			if rep := cronReport(t, pw(t, f.db, env, "", "cron", "--json")); rep.Mailed != 1 || rep.Patches != 1 {
				t.Fatalf("retry: %+v", rep)
			}
			if n := len(smtpd.Messages()); n != 2 {
				t.Fatalf("%d mails in all, want 2", n)
			}
		})
	}
}

func TestCronRefusesOldSchema(t *testing.T) {
	t.Parallel()
	db := emptyDB(t, "sqlite")
	r := pw(t, db, nil, "", "cron")
	if r.code != 75 || !strings.Contains(r.stderr, "migrate") {
		t.Fatalf("cron on an unmigrated database: exit %d %q, want 75", r.code, r.stderr)
	}
}
