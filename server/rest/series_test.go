package rest_test

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestSeries(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		// A series in a project that hides dependencies.
		other := &store.Series{ProjectID: f.proj2.ID, Name: "other series", Date: f.date2, SubmitterID: f.person2.ID, Version: 1, Total: 1}
		must(t, s.CreateSeries(ctx, other))
		must(t, s.AddSeriesDependency(ctx, other.ID, f.series.ID))

		fields := []string{"id", "url", "web_url", "project", "name", "date", "submitter", "version", "total",
			"received_total", "received_all", "mbox", "cover_letter", "patches"}
		r := e.getRaw("/api/1.3/series/", "")
		eqIDs(t, ids(t, r.json(t)), f.series.ID, f.series2.ID, other.ID)
		eqKeys(t, "1.3 series", r.body, fields...)
		eqKeys(t, "1.0 series", e.getRaw("/api/1.0/series/", "").body, append([]string{"id", "url"}, fields[3:]...)...)
		// 1.4: dependencies decided per series, not dropped for later items.
		r = e.getRaw("/api/1.4/series/", "")
		eqKeys(t, "1.4 series", r.body, append(fields, "dependencies", "dependents")...)
		l := r.json(t)
		sid, s2id := itoa(f.series.ID), itoa(f.series2.ID)
		if d := list(t, at(t, l, 0, "dependents")); len(d) != 2 || d[0] != e.url+"/api/1.4/series/"+s2id+"/" || d[1] != e.url+"/api/1.4/series/"+itoa(other.ID)+"/" {
			t.Errorf("dependents %v", d)
		}
		if d := list(t, at(t, l, 0, "dependencies")); len(d) != 0 {
			t.Errorf("dependencies %v", d)
		}
		if d := list(t, at(t, l, 1, "dependencies")); len(d) != 1 || d[0] != e.url+"/api/1.4/series/"+sid+"/" {
			t.Errorf("series2 dependencies %v", d)
		}
		if has(at(t, l, 2), "dependencies") || has(at(t, l, 2), "dependents") {
			t.Errorf("dependencies shown for a project that hides them: %v", at(t, l, 2))
		}
		// The item after a hidden one still has them.
		l = e.getOK("/api/1.4/series/?order=-id", "")
		if has(at(t, l, 0), "dependencies") || !has(at(t, l, 1), "dependencies") {
			t.Errorf("per-series dependencies in reversed order")
		}
		if got := at(t, e.getOK("/api/series/"+sid+"/", ""), "dependents", 0); got != e.url+"/api/series/"+s2id+"/" {
			t.Errorf("unversioned dependents %v", got)
		}

		sr := at(t, e.getOK("/api/1.3/series/"+sid+"/", ""), nil...)
		want := map[string]any{
			"url": e.url + "/api/1.3/series/" + sid + "/", "web_url": e.url + "/project/test/list/?series=" + sid,
			"name": "frob widgets", "date": "2024-03-01T10:00:00", "version": float64(2), "total": float64(2),
			"received_total": float64(2), "received_all": true, "mbox": e.url + "/series/" + sid + "/mbox/",
		}
		for k, v := range want {
			if got := at(t, sr, k); got != v {
				t.Errorf("series %s = %#v, want %#v", k, got, v)
			}
		}
		if at(t, sr, "cover_letter", "id") != float64(f.cover.ID) || at(t, sr, "cover_letter", "mbox") != e.url+"/project/test/cover/cover-0@example.com/mbox/" {
			t.Errorf("cover_letter %v", at(t, sr, "cover_letter"))
		}
		eqIDs(t, ids(t, at(t, sr, "patches")), f.p1.ID, f.p2.ID)
		if at(t, sr, "patches", 0, "mbox") != e.url+"/project/test/patch/p1%252Fx@example.com/mbox/" {
			t.Errorf("embedded patch %v", at(t, sr, "patches", 0))
		}
		s2 := e.getOK("/api/1.3/series/"+s2id+"/", "")
		if at(t, s2, "name") != nil || at(t, s2, "cover_letter") != nil || at(t, s2, "received_all") != false ||
			at(t, s2, "received_total") != float64(0) || len(list(t, at(t, s2, "patches"))) != 0 {
			t.Errorf("series2 %v", s2)
		}
		e.expect(e.get("/api/1.3/series/999999/", ""), 404, `{"detail": "Not found."}`)

		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"project=test", []int64{f.series.ID, f.series2.ID}},
			{"project=", []int64{f.series.ID, f.series2.ID, other.ID}},
			{"project=other&project=test", []int64{f.series.ID, f.series2.ID, other.ID}},
			{"project=nope", nil},
			{"submitter=bob@example.org", []int64{f.series2.ID, other.ID}},
			{"submitter=" + itoa(f.person.ID), []int64{f.series.ID}},
			{"submitter=nobody@example.org", nil},
			{"since=2024-04-01", []int64{f.series2.ID}},
			{"before=2024-03-02T11:30:00", []int64{f.series.ID}},
			{"since=garbage", nil},
			{"q=frob", []int64{f.series.ID}},
			{"q=series", []int64{other.ID}},
			{"q=frob,zzz", nil},
			{"order=-date", []int64{f.series2.ID, other.ID, f.series.ID}},
			{"order=received_all", []int64{f.series2.ID, other.ID, f.series.ID}},
			{"order=-name", []int64{other.ID, f.series.ID, f.series2.ID}},
			{"order=submitter,-id", []int64{f.series.ID, other.ID, f.series2.ID}},
			{"project=test&per_page=1&page=2", []int64{f.series2.ID}},
		} {
			e.listIDs("/api/1.3/series/?"+c.q, "", c.want...)
		}
	})
}

func TestSeriesBulkUpdate(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		path := "/api/1.3/series/" + itoa(f.series.ID) + "/"
		state := func(id int64) (string, bool) {
			t.Helper()
			p, err := s.GetPatch(ctx, id)
			must(t, err)
			for slug, sid := range f.states {
				if sid == p.StateID {
					return slug, p.Archived
				}
			}
			return "", p.Archived
		}

		e.expect(e.form("PATCH", path, "", "state=accepted"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.form("PATCH", path, tokenAuth(f.tokStranger), "state=accepted"), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.form("PATCH", path, tokenAuth(f.tokMaint), "state=bogus"), 400, `{"state": ["Invalid state bogus. Expected one of: `+stateList+`."]}`)
		e.expect(e.form("PATCH", path, tokenAuth(f.tokMaint), "delegate="+itoa(f.stranger.ID)), 400,
			`{"delegate": ["User 'stranger' is not a maintainer for project 'Test Project'"]}`)
		e.expect(e.form("PUT", path, tokenAuth(f.tokMaint), "state=accepted"), 405, `{"detail": "Method \"PUT\" not allowed."}`)
		e.expect(e.form("PATCH", "/api/1.3/series/999999/", tokenAuth(f.tokMaint), "state=accepted"), 404, `{"detail": "Not found."}`)
		if st, _ := state(f.p1.ID); st != "new" {
			t.Fatalf("failed requests changed p1: %s", st)
		}

		// git-pw style form body with a Python boolean, by a maintainer.
		r := e.form("PATCH", path, tokenAuth(f.tokMaint), "state=accepted&archived=True&delegate="+itoa(f.maint.ID))
		e.expect(r, 200, "")
		if at(t, r.json(t), "id") != float64(f.series.ID) || !has(r.json(t), "patches") {
			t.Errorf("answer is not the series: %s", r.body)
		}
		for _, id := range []int64{f.p1.ID, f.p2.ID} {
			if st, arch := state(id); st != "accepted" || !arch {
				t.Errorf("patch %d: %s archived=%v", id, st, arch)
			}
		}
		if st, _ := state(f.p3.ID); st != "accepted" {
			t.Errorf("p3 (not in the series) touched: %s", st)
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{SeriesID: 0, Categories: []string{store.EventPatchStateChanged}})
		must(t, err)
		if len(evs) != 2 || evs[0].ActorID != f.maint.ID {
			t.Errorf("state events %+v", evs)
		}
		// JSON body, by the submitter's linked user.
		e.expect(e.jsonReq("PATCH", path, tokenAuth(f.tokSub), `{"state": "changes-requested", "archived": false}`), 200, "")
		if st, arch := state(f.p2.ID); st != "changes-requested" || arch {
			t.Errorf("p2 after JSON: %s %v", st, arch)
		}

		// All or nothing: one patch jane may not edit makes the whole request fail.
		foreign := &store.Patch{ProjectID: f.proj.ID, MsgID: "<foreign@example.org>", Name: "[v2,3/2] foreign", Date: f.date2,
			SubmitterID: f.person2.ID, StateID: f.states["new"], SeriesID: f.series.ID, Number: 3}
		must(t, s.CreatePatch(ctx, foreign, nil))
		e.expect(e.form("PATCH", path, tokenAuth(f.tokSub), "state=rfc"), 403, `{"detail": "You do not have permission to perform this action."}`)
		for _, id := range []int64{f.p1.ID, f.p2.ID, foreign.ID} {
			if st, _ := state(id); st == "rfc" {
				t.Errorf("patch %d changed by a refused bulk update", id)
			}
		}
		e.expect(e.form("PATCH", path, tokenAuth(f.tokMaint), "state=rfc"), 200, "")
		for _, id := range []int64{f.p1.ID, f.p2.ID, foreign.ID} {
			if st, _ := state(id); st != "rfc" {
				t.Errorf("patch %d: %s after maintainer bulk update", id, st)
			}
		}
	})
}
