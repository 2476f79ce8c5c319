package mailin

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// testMail builds one list mail.
type testMail struct {
	From, Subject, MsgID, InReplyTo, Date string
	// References is the References header; "" means In-Reply-To's id.
	References string
	Extra      []string // more header lines
	Body       string
}

func (m testMail) bytes() []byte {
	var b strings.Builder
	from := m.From
	if from == "" {
		from = "Ada Lovelace <ada@example.org>"
	}
	date := m.Date
	if date == "" {
		date = "Mon, 02 Jun 2025 10:00:00 +0000"
	}
	fmt.Fprintf(&b, "From: %s\nSubject: %s\nMessage-Id: %s\nDate: %s\nList-Id: Test <%s>\n", from, m.Subject, m.MsgID, date, testListID)
	if m.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\n", m.InReplyTo)
	}
	if refs := cmp.Or(m.References, m.InReplyTo); refs != "" {
		fmt.Fprintf(&b, "References: %s\n", refs)
	}
	for _, h := range m.Extra {
		b.WriteString(h + "\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\n\n")
	b.WriteString(m.Body)
	return []byte(b.String())
}

// patchBody is a git format-patch body touching one file.
func patchBody(file, line string) string {
	return "Change " + file + ".\n\nSigned-off-by: Ada Lovelace <ada@example.org>\n---\n" +
		" " + file + " | 1 +\n\n" +
		"diff --git a/" + file + " b/" + file + "\nindex 1111111..2222222 100644\n--- a/" + file + "\n+++ b/" + file + "\n" +
		"@@ -1 +1,2 @@\n context\n+" + line + "\n-- \n2.45.0\n"
}

// postSeries returns a cover and n patches replying to it, marked vN.
func postSeries(tag string, version, n int, date string, inReplyTo string) []testMail {
	v := ""
	if version > 1 {
		v = fmt.Sprintf(" v%d", version)
	}
	cover := testMail{Subject: fmt.Sprintf("[PATCH%s 0/%d] Frobnicate the widgets", v, n),
		MsgID: fmt.Sprintf("<%s-0@example.org>", tag), Date: date, InReplyTo: inReplyTo,
		Body: "This series frobnicates.\n"}
	out := []testMail{cover}
	for k := 1; k <= n; k++ {
		out = append(out, testMail{Subject: fmt.Sprintf("[PATCH%s %d/%d] widget: step %d", v, k, n, k),
			MsgID: fmt.Sprintf("<%s-%d@example.org>", tag, k), Date: date, InReplyTo: cover.MsgID,
			Body: patchBody(fmt.Sprintf("src/w%d.c", k), tag)})
	}
	return out
}

func mustIngest(t testing.TB, ing *Ingester, m testMail) Result {
	t.Helper()
	res, err := ing.Ingest(context.Background(), m.bytes(), "")
	if err != nil {
		t.Fatalf("ingest %s: %v", m.MsgID, err)
	}
	return res
}

func eventCounts(t testing.TB, s store.Store, projectID int64) map[string]int {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), store.EventQuery{ProjectID: projectID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range evs {
		out[e.Category]++
	}
	return out
}

// TestSeriesParallelDelivery: two writers with their own connection pools
// (as two parsemail processes have) deliver the mails of one series at the
// same moment, in shuffled order; the project lock makes it one series.
func TestSeriesParallelDelivery(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			u := sqltest.URL(t, d)
			var stores []*sqlstore.Store
			for range 2 {
				s, err := sqlstore.Open(ctx, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			proj := newProject(t, stores[0], testLinkName, testListID)
			const n = 12
			for round := range 3 {
				mails := postSeries(fmt.Sprintf("par%d", round), 1, n, "", "")
				rng := rand.New(rand.NewPCG(uint64(round), 7))
				rng.Shuffle(len(mails), func(a, b int) { mails[a], mails[b] = mails[b], mails[a] })
				var wg sync.WaitGroup
				errs := make(chan error, len(mails))
				start := make(chan struct{})
				for w := range 2 {
					ing := NewIngester(stores[w], nil)
					wg.Go(func() {
						<-start
						for k := w; k < len(mails); k += 2 {
							if _, err := ing.Ingest(ctx, mails[k].bytes(), ""); err != nil {
								errs <- err
							}
						}
					})
				}
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
			}
			series, err := stores[0].ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(series) != 3 {
				t.Fatalf("%d series, want 3", len(series))
			}
			for _, x := range series {
				if x.ReceivedTotal != n || x.CoverID == 0 || x.Name != "Frobnicate the widgets" {
					t.Errorf("series %+v: want %d patches, a cover and the cover's name", x, n)
				}
			}
			ev := eventCounts(t, stores[0], proj.ID)
			want := map[string]int{store.EventSeriesCreated: 3, store.EventSeriesCompleted: 3,
				store.EventPatchCreated: 3 * n, store.EventPatchCompleted: 3 * n, store.EventCoverCreated: 3}
			for k, v := range want {
				if ev[k] != v {
					t.Errorf("%d %s events, want %d (all: %v)", ev[k], k, v, ev)
				}
			}
		})
	}
}

// TestSeriesOutOfOrderEvents delivers a series backwards: the series is
// still one, and every patch is completed exactly once, in number order
// once the gap closes.
func TestSeriesOutOfOrderEvents(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		mails := postSeries("ooo", 1, 3, "", "")
		for k := len(mails) - 1; k >= 0; k-- {
			mustIngest(t, ing, mails[k])
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{ProjectID: proj.ID, Asc: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			label := e.Category
			if e.PatchID != 0 {
				p, err := s.GetPatch(ctx, e.PatchID)
				if err != nil {
					t.Fatal(err)
				}
				label += fmt.Sprint(":", p.Number)
			}
			got = append(got, label)
		}
		want := "patch-created:3 series-created patch-created:2 patch-created:1 patch-completed:1 patch-completed:2 patch-completed:3 series-completed cover-created"
		if strings.Join(got, " ") != want {
			t.Errorf("events\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
		if err != nil || len(series) != 1 || series[0].Name != "Frobnicate the widgets" || !series[0].ReceivedAll() {
			t.Fatalf("series %+v (%v)", series, err)
		}
	})
}

// TestSeriesVersions: v2 threaded to v1's cover and v3 sent unthreaded are
// linked v1 → v2 → v3; with supersede on, a complete new version marks the
// older versions' open patches Superseded and leaves accepted ones alone.
func TestSeriesVersions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		proj.SupersedeOldVersions = true
		if err := s.UpdateProject(ctx, proj); err != nil {
			t.Fatal(err)
		}
		other := newProject(t, s, "other", "other.example.com")
		ing := NewIngester(s, nil)
		v1 := postSeries("v1", 1, 2, "Mon, 02 Jun 2025 10:00:00 +0000", "")
		for _, m := range v1 {
			mustIngest(t, ing, m)
		}
		states, err := s.ListStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]int64{}
		for _, st := range states {
			byName[st.Name] = st.ID
		}
		p1, err := s.GetPatchByMsgID(ctx, proj.ID, "<v1-1@example.org>")
		if err != nil {
			t.Fatal(err)
		}
		accepted := byName["Accepted"]
		if _, err := s.UpdatePatch(ctx, p1.ID, store.PatchUpdate{StateID: &accepted}, 0); err != nil {
			t.Fatal(err)
		}
		// v2: threaded to v1's cover, patches before the cover; only
		// complete once its last patch arrives.
		v2 := postSeries("v2", 2, 2, "Tue, 03 Jun 2025 10:00:00 +0000", "<v1-0@example.org>")
		mustIngest(t, ing, v2[1])
		stateOf := func(msgid string) string {
			t.Helper()
			p, err := s.GetPatchByMsgID(ctx, proj.ID, msgid)
			if err != nil {
				t.Fatal(err)
			}
			for n, id := range byName {
				if id == p.StateID {
					return n
				}
			}
			return "?"
		}
		if st := stateOf("<v1-2@example.org>"); st != "New" {
			t.Errorf("v1 2/2 is %s before v2 is complete", st)
		}
		mustIngest(t, ing, v2[2])
		mustIngest(t, ing, v2[0])
		// v3: not threaded, same cover subject.
		v3 := postSeries("v3", 3, 2, "Wed, 04 Jun 2025 10:00:00 +0000", "")
		for _, m := range v3[:2] {
			mustIngest(t, ing, m)
		}
		series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID, Order: "date"})
		if err != nil || len(series) != 3 {
			t.Fatalf("series %+v (%v)", series, err)
		}
		if series[0].PreviousID != 0 || series[1].PreviousID != series[0].ID || series[2].PreviousID != series[1].ID {
			t.Errorf("chain: %d←%d, %d←%d, %d←%d", series[0].ID, series[0].PreviousID, series[1].ID,
				series[1].PreviousID, series[2].ID, series[2].PreviousID)
		}
		if series[0].NextID != series[1].ID {
			t.Errorf("v1 next = %d, want %d", series[0].NextID, series[1].ID)
		}
		for msgid, want := range map[string]string{
			"<v1-1@example.org>": "Accepted", "<v1-2@example.org>": "Superseded",
			"<v2-1@example.org>": "New", "<v2-2@example.org>": "New", // v3 is not complete yet
		} {
			if st := stateOf(msgid); st != want {
				t.Errorf("%s is %s, want %s", msgid, st, want)
			}
		}
		mustIngest(t, ing, v3[2])
		for _, msgid := range []string{"<v2-1@example.org>", "<v2-2@example.org>"} {
			if st := stateOf(msgid); st != "Superseded" {
				t.Errorf("%s is %s after v3 completed, want Superseded", msgid, st)
			}
		}
		// v1 and v3 posted to another project that does not supersede:
		// linked by name (v3 is unthreaded), states left alone.
		ing2 := NewIngester(s, nil)
		for _, m := range append(append([]testMail{}, v1...), v3...) {
			if _, err := ing2.Ingest(ctx, m.bytes(), "other.example.com"); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.GetPatchByMsgID(ctx, other.ID, "<v1-2@example.org>")
		if err != nil || p.StateID != byName["New"] {
			t.Errorf("other project's v1 patch %+v (%v): want New", p, err)
		}
		os, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: other.ID, Order: "date"})
		if err != nil || len(os) != 2 || os[1].PreviousID != os[0].ID {
			t.Errorf("other project's series %+v (%v): want v3 linked to v1", os, err)
		}
	})
}

// TestTagsHintsDelegation: tags from a patch and its replies, the
// X-Patchwork-* headers and delegation rules.
func TestTagsHintsDelegation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		maint := &store.User{Username: "maint", Email: "Maint@Example.org", Active: true}
		rev := &store.User{Username: "rev", Email: "rev@example.org", Active: true}
		for _, u := range []*store.User{maint, rev} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddDelegationRule(ctx, &store.DelegationRule{ProjectID: proj.ID, UserID: maint.ID, Path: "src/*", Priority: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddDelegationRule(ctx, &store.DelegationRule{ProjectID: proj.ID, UserID: rev.ID, Path: "docs/*", Priority: 1}); err != nil {
			t.Fatal(err)
		}
		ing := NewIngester(s, nil)
		body := strings.Replace(patchBody("src/deep/a.c", "x"), "Signed-off-by", "Acked-by: A <a@example.org>\nReviewed-by: B <b@example.org>\nSigned-off-by", 1)
		p := mustIngest(t, ing, testMail{Subject: "[PATCH] auto", MsgID: "<auto@x>", Body: body})
		mixed := patchBody("src/a.c", "x") + "diff --git a/docs/b.txt b/docs/b.txt\n--- a/docs/b.txt\n+++ b/docs/b.txt\n@@ -1 +1 @@\n-a\n+b\n"
		pm := mustIngest(t, ing, testMail{Subject: "[PATCH] mixed", MsgID: "<mixed@x>", Body: mixed})
		// Hint headers count from a maintainer only (TestHintHeadersTrust).
		if err := s.AddMaintainer(ctx, proj.ID, maint.ID); err != nil {
			t.Fatal(err)
		}
		ph := mustIngest(t, ing, testMail{Subject: "[PATCH] hinted", MsgID: "<hinted@x>", Body: patchBody("docs/c.txt", "y"), From: "Maint <maint@example.org>",
			Extra: []string{"X-Patchwork-State: changes requested", "X-Patchwork-Delegate: maint@example.ORG"}})
		ig := mustIngest(t, ing, testMail{Subject: "[PATCH] ignored", MsgID: "<ignored@x>", Body: patchBody("a", "b"),
			Extra: []string{"X-Patchwork-Hint: IGNORE"}})
		if ig.Kind != Dropped {
			t.Errorf("hint ignore: %v", ig.Kind)
		}
		c1 := mustIngest(t, ing, testMail{Subject: "Re: [PATCH] auto", MsgID: "<r1@x>", InReplyTo: "<auto@x>",
			From: "Rev <rev@example.org>", Body: "> Acked-by: quoted does not count\nTested-by: Rev <rev@example.org>\nAcked-by: Rev <rev@example.org>\n",
			Extra: []string{"X-Patchwork-Action-Required: yes"}})
		c2 := mustIngest(t, ing, testMail{Subject: "Re: [PATCH] auto", MsgID: "<r2@x>", InReplyTo: "<r1@x>",
			From: "Ada <ada@example.org>", Body: "Thanks!\n"})
		if c1.Kind != StoredPatchComment || c2.Kind != StoredPatchComment || c2.PatchID != p.PatchID {
			t.Fatalf("comments: %+v %+v", c1, c2)
		}
		tags, err := s.ListTags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := s.GetTagCounts(ctx, p.PatchID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, tg := range tags {
			got[tg.Name] = counts[tg.ID]
		}
		if got["Acked-by"] != 2 || got["Reviewed-by"] != 1 || got["Tested-by"] != 1 {
			t.Errorf("tags %v, want Acked-by 2, Reviewed-by 1, Tested-by 1", got)
		}
		check := func(id int64, delegate int64, state string) {
			t.Helper()
			p, err := s.GetPatch(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			sts, _ := s.ListStates(ctx)
			st, _ := store.StateByID(sts, p.StateID)
			if p.DelegateID != delegate || st.Name != state {
				t.Errorf("patch %s: delegate %d state %s, want %d %s", p.MsgID, p.DelegateID, st.Name, delegate, state)
			}
		}
		check(p.PatchID, maint.ID, "New")
		check(pm.PatchID, 0, "New") // two rules, two users: nobody
		check(ph.PatchID, maint.ID, "Changes Requested")
		cm, err := s.GetComment(ctx, c1.CommentID)
		if err != nil || cm.Addressed == nil || *cm.Addressed {
			t.Errorf("action-required comment addressed = %v (%v), want false", cm.Addressed, err)
		}
		cm2, err := s.GetComment(ctx, c2.CommentID)
		if err != nil || cm2.Addressed != nil {
			t.Errorf("plain comment addressed = %v (%v), want nil", cm2.Addressed, err)
		}
		person, err := s.GetPersonByEmail(ctx, "ada@example.org")
		if err != nil || person.Name != "Ada" {
			t.Errorf("person %+v (%v): the newest name wins", person, err)
		}
	})
}

// TestAwkwardText: NUL bytes and 4-byte UTF-8 in subject, sender and body
// are stored on every database, and the stored text reads back as sent
// (NULs removed).
func TestAwkwardText(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		body := "Emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, a NUL\x00here.\n---\n" +
			"diff --git a/e.txt b/e.txt\n--- a/e.txt\n+++ b/e.txt\n@@ -1 +1 @@\n-old\n+new 🦀\x00\n"
		m := testMail{Subject: "=?utf-8?b?" + b64("[PATCH] 🚀 launch") + "?=", MsgID: "<emoji@x>",
			From: "=?utf-8?b?" + b64("Zoë 🐙") + "?= <zoe@example.org>", Body: body}
		res := mustIngest(t, ing, m)
		if res.Kind != StoredPatch {
			t.Fatalf("%+v", res)
		}
		p, err := s.GetPatch(ctx, res.PatchID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "🚀 launch" || !strings.Contains(p.Content, "😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, a NULhere.") || !strings.Contains(p.Diff, "+new 🦀\n") {
			t.Errorf("name %q content %q diff %q", p.Name, p.Content, p.Diff)
		}
		if strings.ContainsRune(p.Content+p.Diff+p.Headers, 0) {
			t.Error("a NUL was stored")
		}
		if p.Hash != Hash(strings.ReplaceAll(body[strings.Index(body, "diff"):], "\x00", "")) {
			t.Errorf("hash %s", p.Hash)
		}
		person, err := s.GetPerson(ctx, p.SubmitterID)
		if err != nil || person.Name != "Zoë 🐙" {
			t.Errorf("person %+v (%v)", person, err)
		}
		rows, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{proj.ID}}, {Field: store.FieldName, Strs: []string{"🚀"}}}})
		if err != nil || len(rows) != 1 {
			t.Errorf("search by emoji: %d rows (%v)", len(rows), err)
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
