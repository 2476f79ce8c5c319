package rest_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// seriesMails is a cover letter and two patches of one series, as a list
// delivers them.
func seriesMails(listID string) [][]byte {
	mail := func(n int, subject, body string, refs string) []byte {
		return fmt.Appendf(nil, "From: Ann Author <ann@example.org>\r\nTo: list@example.com\r\nList-Id: <%s>\r\n"+
			"Subject: %s\r\nDate: Mon, 6 May 2024 10:0%d:00 +0000\r\nMessage-Id: <s%d@example.org>\r\n%s"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s", listID, subject, n, n, refs, body)
	}
	diff := func(f string) string {
		return "Change.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\n" +
			"diff --git a/" + f + " b/" + f + "\n--- a/" + f + "\n+++ b/" + f + "\n@@ -1 +1 @@\n-a\n+b\n"
	}
	refs := "In-Reply-To: <s0@example.org>\r\nReferences: <s0@example.org>\r\n"
	return [][]byte{
		mail(0, "[PATCH 0/2] Two changes", "Two changes.\n", ""),
		mail(1, "[PATCH 1/2] first", diff("a.c"), refs),
		mail(2, "[PATCH 2/2] second", diff("b.c"), refs),
	}
}

func ingestAll(t *testing.T, s store.Store, raws [][]byte) {
	t.Helper()
	res, err := mailin.NewIngester(s, nil).IngestRawBatch(context.Background(), raws, "")
	must(t, err)
	for i, r := range res {
		if r.Kind == mailin.Rejected {
			t.Fatalf("mail %d rejected: %s", i, r.Reason)
		}
	}
}

// /events/?series=N lists the series' events but not its cover-created,
// to which upstream attaches no series (issue 22.2); the event is still
// listed by category and by cover.
func TestEventsSeriesFilterLeavesOutCoverCreated(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		must(t, s.CreateProject(context.Background(), &store.Project{LinkName: "evs", Name: "evs", ListID: "evs.example.com", ListEmail: "evs@example.com"}))
		ingestAll(t, s, seriesMails("evs.example.com"))
		series := list(t, e.getOK("/api/series/?project=evs", ""))
		if len(series) != 1 {
			t.Fatalf("%d series", len(series))
		}
		sid := int64(at(t, series[0], "id").(float64))
		cats := map[string]int{}
		for _, ev := range list(t, e.getOK("/api/events/?series="+itoa(sid)+"&per_page=100", "")) {
			cats[at(t, ev, "category").(string)]++
		}
		if cats["cover-created"] != 0 || cats["series-created"] != 1 || cats["patch-completed"] != 2 {
			t.Errorf("events of series %d by category: %v", sid, cats)
		}
		covers := list(t, e.getOK("/api/events/?category=cover-created&project=evs", ""))
		if len(covers) != 1 || at(t, covers[0], "payload", "cover", "name") != "[0/2] Two changes" {
			t.Errorf("cover-created events %v", covers)
		}
	})
}

// A single-valued parameter given twice counts with its last value, as
// Django's QueryDict.get answers (issue 22.3).
func TestRepeatedParamLastWins(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		base := "/api/1.3/patches/?project=test&archived=false"
		if n := len(list(t, e.getOK(base+"&per_page=5&per_page=1", ""))); n != 1 {
			t.Errorf("per_page=5&per_page=1 gave %d patches", n)
		}
		eqIDs(t, ids(t, e.getOK(base+"&order=id&order=-id", "")), f.p2.ID, f.p1.ID)
		eqIDs(t, ids(t, e.getOK(base+"&q=use&q=add", "")), f.p1.ID)
		eqIDs(t, ids(t, e.getOK(base+"&hash=ffff&hash="+f.p1.Hash, "")), f.p1.ID)
		eqIDs(t, ids(t, e.getOK(base+"&hash="+f.p1.Hash+"&hash=", "")), f.p1.ID, f.p2.ID)
		eqIDs(t, ids(t, e.getOK(base+"&msgid=p2@example.com&msgid=p1/x@example.com", "")), f.p1.ID)
	})
}

// patch-relation-changed: as upstream, only the event of the patch the
// request edited names the actor, and it comes last (issue 22.4).
func TestRelationEventsActorOnEditedPatchLast(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		maint := tokenAuth(f.tokMaint)
		check := func(edited int64, others ...int64) {
			t.Helper()
			evs, err := s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventPatchRelationChanged}, Asc: true})
			must(t, err)
			if len(evs) != len(others)+1 {
				t.Fatalf("%d relation events, want %d: %+v", len(evs), len(others)+1, evs)
			}
			for i, ev := range evs[:len(others)] {
				if ev.PatchID != others[i] || ev.ActorID != 0 {
					t.Errorf("event %d: patch %d actor %d, want patch %d and no actor", i, ev.PatchID, ev.ActorID, others[i])
				}
			}
			if last := evs[len(others)]; last.PatchID != edited || last.ActorID != f.maint.ID {
				t.Errorf("last event: patch %d actor %d, want patch %d actor %d", last.PatchID, last.ActorID, edited, f.maint.ID)
			}
			l := list(t, e.getOK("/api/1.2/events/?category=patch-relation-changed&order=date", ""))
			if at(t, l[len(l)-1], "actor", "username") != "maint" || at(t, l[0], "actor") != nil {
				t.Errorf("REST events %v", l)
			}
		}
		// p1 lists p3 and p2 (this order): p3's and p2's events first, p1's last.
		e.expect(e.jsonReq("PATCH", "/api/1.2/patches/"+itoa(f.p1.ID)+"/", maint,
			`{"related": [`+itoa(f.p3.ID)+`, `+itoa(f.p2.ID)+`]}`), 200, "")
		check(f.p1.ID, f.p3.ID, f.p2.ID)
	})
}

// A search the database cannot run (1,000 terms: SQLite's expression tree
// limit; a 50,000-character term: its LIKE pattern limit) is a 400 that
// says why, on every list with q, not a 500 (issue 16.8).
func TestHugeSearchIs400(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		words := strings.TrimSuffix(strings.Repeat("fix+", 1000), "+")
		long := strings.Repeat("x", 50000)
		for _, path := range []string{"/api/patches/", "/api/people/", "/api/covers/", "/api/series/", "/api/projects/", "/api/users/", "/api/bundles/"} {
			e.expect(e.get(path+"?q="+words, tokenAuth(e.f.tokMaint)), 400,
				`{"q": ["Ensure this search has no more than 100 terms (it has 1000)."]}`)
			e.expect(e.get(path+"?q="+long, tokenAuth(e.f.tokMaint)), 400,
				`{"q": ["Ensure each search term has no more than 1000 characters (one has 50000)."]}`)
		}
		// At the limits the search runs.
		e.expect(e.get("/api/patches/?q="+strings.TrimSuffix(strings.Repeat("frob+", store.MaxSearchTerms), "+"), ""), 200, "")
		e.expect(e.get("/api/patches/?q="+strings.Repeat("y", store.MaxSearchTermLen), ""), 200, "")
	})
}

// A bundle holds at most max_bundle_patches patches, whoever writes it
// (REST here, the store for the TUI), and an older, larger bundle embeds
// only that many (issue 16.9).
func TestBundleLimit(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		lim, ok := s.(interface{ SetMaxBundlePatches(int) })
		if !ok {
			t.Fatal("store has no bundle limit")
		}
		var ids []string
		for i := range 4 {
			p := &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<lim%d@x>", i), Name: fmt.Sprintf("lim %d", i),
				Date: f.date1.Add(time.Duration(i) * time.Hour), SubmitterID: f.person.ID, StateID: f.states["new"], Headers: "Subject: x\n"}
			must(t, s.CreatePatch(ctx, p, nil))
			ids = append(ids, itoa(p.ID))
		}
		lim.SetMaxBundlePatches(3)
		auth := tokenAuth(f.tokSub)
		e.expect(e.jsonReq("POST", "/api/1.2/bundles/", auth, `{"name": "big", "patches": [`+strings.Join(ids, ", ")+`]}`), 400,
			`{"patches": ["A bundle holds at most 3 patches (this would hold 4)."]}`)
		r := e.jsonReq("POST", "/api/1.2/bundles/", auth, `{"name": "big", "patches": [`+strings.Join(ids[:3], ", ")+`]}`)
		e.expect(r, 201, "")
		bid := int64(at(t, r.json(t), "id").(float64))
		e.expect(e.jsonReq("PATCH", "/api/1.2/bundles/"+itoa(bid)+"/", auth, `{"patches": [`+strings.Join(ids, ", ")+`]}`), 400,
			`{"patches": ["A bundle holds at most 3 patches (this would hold 4)."]}`)
		// The store's own rule, for writers that are not REST (the TUI,
		// through the service).
		last, _ := strconv.ParseInt(ids[3], 10, 64)
		if _, err := service.New(s, service.Options{}).AddToBundle(ctx, f.sub, f.proj.ID, "big", []int64{last}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddToBundle past the limit: %v", err)
		}
		got, err := s.BundlePatchIDs(ctx, bid)
		must(t, err)
		if len(got) != 3 {
			t.Errorf("bundle holds %d patches", len(got))
		}
		// A bundle larger than a limit lowered later embeds the limit.
		lim.SetMaxBundlePatches(2)
		if n := len(list(t, at(t, e.getOK("/api/1.2/bundles/"+itoa(bid)+"/", auth), "patches"))); n != 2 {
			t.Errorf("embedded %d patches, want 2", n)
		}
	})
}
