package mbox_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

var update = flag.Bool("update-store", false, "rewrite the store-backed golden files")

type data struct {
	proj             *store.Project
	series           *store.Series
	cover            *store.Cover
	p1, p2, p3, lone *store.Patch
	bundle           *store.Bundle
}

// seed stores a series (cover + 3 patches, added out of order), a lone
// patch with a DMARC-munged From and no Date, comments with trailers, and a
// bundle.
func seed(t *testing.T, s store.Store) *data {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := &data{}
	states, err := s.ListStates(ctx)
	must(err)
	st, _ := store.FindState(states, "new")
	d.proj = &store.Project{LinkName: "frob", Name: "Frob", ListID: "dev.lists.example.org", ListEmail: "dev@lists.example.org"}
	must(s.CreateProject(ctx, d.proj))
	jane, err := s.UpsertPerson(ctx, "jane@example.org", "Jane Doe", false)
	must(err)
	rafal, err := s.UpsertPerson(ctx, "zajec5@gmail.com", "Rafał Miłecki", false)
	must(err)
	reviewer, err := s.UpsertPerson(ctx, "john@example.org", "John Roe", false)
	must(err)
	maint := &store.User{Username: "maint", Email: "maint@example.org", Active: true, DateJoined: time.Now().UTC()}
	must(s.CreateUser(ctx, maint))
	must(s.AddMaintainer(ctx, d.proj.ID, maint.ID))

	date := time.Date(2016, 9, 4, 1, 2, 3, 0, time.UTC)
	d.series = &store.Series{ProjectID: d.proj.ID, Name: "frob: widget fixes", Date: date, SubmitterID: jane.ID, Version: 2, Total: 3}
	must(s.CreateSeries(ctx, d.series))
	d.cover = &store.Cover{ProjectID: d.proj.ID, MsgID: "<cover@example.org>", Name: "[PATCH v2 0/3] frob: widget fixes", Date: date,
		SubmitterID: jane.ID, SeriesID: d.series.ID,
		Headers: "From: Jane Doe <jane@example.org>\nTo: dev@lists.example.org\nSubject: [PATCH v2 0/3] frob: widget fixes\n" +
			"Date: Sun, 4 Sep 2016 03:02:03 +0200\nMessage-Id: <cover@example.org>\nContent-Type: text/plain",
		Content: "Three fixes.\n\nJane Doe (3):\n  frob: one\n  frob: two\n  frob: three\n\n-- \n2.9.3\n"}
	must(s.CreateCover(ctx, d.cover))
	d.series.CoverID = d.cover.ID
	must(s.UpdateSeries(ctx, d.series))
	must(s.CreateComment(ctx, &store.Comment{CoverID: d.cover.ID, ProjectID: d.proj.ID, MsgID: "<cc@example.org>", Date: date.Add(time.Hour),
		SubmitterID: reviewer.ID, Content: "For the series:\nReviewed-by: John Roe <john@example.org>"}))

	mk := func(n int, name string, submitter int64) *store.Patch {
		msgid := "<p" + string(rune('0'+n)) + "@example.org>"
		p := &store.Patch{ProjectID: d.proj.ID, MsgID: msgid, Name: "[PATCH v2 " + string(rune('0'+n)) + "/3] " + name,
			Date: date.Add(time.Duration(n) * time.Minute), SubmitterID: submitter, StateID: st.ID, SeriesID: d.series.ID, Number: n,
			Headers: "From: Jane Doe <jane@example.org>\nTo: dev@lists.example.org\nSubject: [PATCH v2 " + string(rune('0'+n)) + "/3] " + name +
				"\nDate: Sun, 4 Sep 2016 03:0" + string(rune('0'+n)) + ":03 +0200\nMessage-Id: " + msgid +
				"\nIn-Reply-To: <cover@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit",
			Content: name + " for good.\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\n v2: reworded\n\n src/frob.c | 2 +-",
			Diff:    "diff --git a/src/frob.c b/src/frob.c\n--- a/src/frob.c\n+++ b/src/frob.c\n@@ -1 +1 @@\n-a" + name + "\n+b" + name + "\n"}
		must(s.CreatePatch(ctx, p, nil))
		return p
	}
	// Stored out of order: the series mbox must still come by number.
	d.p2 = mk(2, "frob: two", jane.ID)
	d.p1 = mk(1, "frob: one", jane.ID)
	d.p3 = mk(3, "frob: three", jane.ID)
	del := maint.ID
	_, err = s.UpdatePatch(ctx, d.p2.ID, store.PatchUpdate{DelegateID: &del}, 0)
	must(err)
	must(s.CreateComment(ctx, &store.Comment{PatchID: d.p1.ID, ProjectID: d.proj.ID, MsgID: "<c1@example.org>", Date: date.Add(2 * time.Hour),
		SubmitterID: reviewer.ID, Content: "Looks good.\n\nReviewed-by: John Roe <john@example.org>\nacked-by: Ann Poe <ann@example.org>\n> Tested-by: quoted <q@x>"}))
	must(s.CreateComment(ctx, &store.Comment{PatchID: d.p1.ID, ProjectID: d.proj.ID, MsgID: "<c0@example.org>", Date: date.Add(time.Hour),
		SubmitterID: reviewer.ID, Content: "Tested-by: Early Bird <e@example.org>"}))

	d.lone = &store.Patch{ProjectID: d.proj.ID, MsgID: "<lone@example.org>", Name: "net: ça marche", Date: date, SubmitterID: rafal.ID, StateID: st.ID,
		Headers: "From: =?utf-8?q?Rafa=C5=82_Mi=C5=82ecki?= via Dev <dev@lists.example.org>\nX-Original-From: Rafał <zajec5@gmail.com>\n" +
			"Subject: [PATCH] net: ça marche\nMessage-Id: <lone@example.org>\ncontent-type: text/plain; charset=utf-8\n" +
			"References: <a@example.org>\n <b@example.org>",
		Content: "Ça marche.\n\nSigned-off-by: Rafał Miłecki <zajec5@gmail.com>",
		Diff:    "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-é\n+è\n"}
	must(s.CreatePatch(ctx, d.lone, nil))

	owner := &store.User{Username: "owner", Email: "owner@example.org", Active: true, DateJoined: time.Now().UTC()}
	must(s.CreateUser(ctx, owner))
	d.bundle = &store.Bundle{OwnerID: owner.ID, ProjectID: d.proj.ID, Name: "picks", Public: true}
	must(s.CreateBundle(ctx, d.bundle))
	must(s.SetBundlePatches(ctx, d.bundle.ID, []int64{d.lone.ID, d.p3.ID}))
	return d
}

// normalize replaces ids by names, so that the goldens do not depend on
// id allocation. Patches and covers have separate id sequences (their ids
// collide), so a cover mbox is normalised on its own.
func normalize(s string, d *data) string {
	if strings.Contains(s, "Message-Id: "+d.cover.MsgID+"\n") {
		return strings.ReplaceAll(s, "X-Patchwork-Id: "+itoa(d.cover.ID)+"\n", "X-Patchwork-Id: <cover>\n")
	}
	r := strings.NewReplacer(
		"X-Patchwork-Id: "+itoa(d.p1.ID)+"\n", "X-Patchwork-Id: <p1>\n",
		"X-Patchwork-Id: "+itoa(d.p2.ID)+"\n", "X-Patchwork-Id: <p2>\n",
		"X-Patchwork-Id: "+itoa(d.p3.ID)+"\n", "X-Patchwork-Id: <p3>\n",
		"X-Patchwork-Id: "+itoa(d.lone.ID)+"\n", "X-Patchwork-Id: <lone>\n",
	)
	return r.Replace(s)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s (run go test -update-store): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestWriterGolden(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		d := seed(t, s)
		ctx := context.Background()
		w := mbox.Writer{Store: s}
		run := func(name string, fn func(*bytes.Buffer) error) {
			t.Helper()
			var b bytes.Buffer
			if err := fn(&b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			golden(t, name, normalize(b.String(), d))
		}
		run("patch.mbox", func(b *bytes.Buffer) error { return w.Patch(ctx, b, d.p1.ID) })
		run("patch-delegated.mbox", func(b *bytes.Buffer) error { return w.Patch(ctx, b, d.p2.ID) })
		run("patch-dmarc-utf8.mbox", func(b *bytes.Buffer) error { return w.Patch(ctx, b, d.lone.ID) })
		run("cover.mbox", func(b *bytes.Buffer) error { return w.Cover(ctx, b, d.cover.ID) })
		run("series.mbox", func(b *bytes.Buffer) error { return w.Series(ctx, b, d.series.ID) })
		run("bundle.mbox", func(b *bytes.Buffer) error { return w.Bundle(ctx, b, d.bundle.ID) })
		run("deps.mbox", func(b *bytes.Buffer) error { return w.PatchWithDeps(ctx, b, d.p2.ID, "*") })

		// ?series=<id> is the same as *, "" is the patch alone.
		var a, b, c, one bytes.Buffer
		must(t, w.PatchWithDeps(ctx, &a, d.p2.ID, "*"))
		must(t, w.PatchWithDeps(ctx, &b, d.p2.ID, itoa(d.series.ID)))
		must(t, w.PatchWithDeps(ctx, &c, d.p2.ID, ""))
		must(t, w.Patch(ctx, &one, d.p2.ID))
		if a.String() != b.String() || c.String() != one.String() {
			t.Error("?series=<id> must equal ?series=*, and ?series= the patch alone")
		}
		s1, err := mbox.PatchString(ctx, s, d.p2.ID)
		must(t, err)
		if s1 != one.String() {
			t.Error("PatchString differs from Patch")
		}

		// Misses wrap store.ErrNotFound and write nothing.
		for name, err := range map[string]error{
			"patch":       w.Patch(ctx, &c, 999999),
			"cover":       w.Cover(ctx, &c, 999999),
			"series":      w.Series(ctx, &c, 999999),
			"bundle":      w.Bundle(ctx, &c, 999999),
			"wrong":       w.PatchWithDeps(ctx, &c, d.p2.ID, itoa(d.series.ID+1)),
			"junk":        w.PatchWithDeps(ctx, &c, d.p2.ID, "x"),
			"no series":   w.PatchWithDeps(ctx, &c, d.lone.ID, "*"),
			"no series N": w.PatchWithDeps(ctx, &c, d.lone.ID, "1"),
		} {
			if !errors.Is(err, store.ErrNotFound) || !mbox.IsNotFound(err) {
				t.Errorf("%s: err %v, want ErrNotFound", name, err)
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
