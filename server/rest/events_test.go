package rest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		// The fixture's check made a check-created event in March; ours are
		// from May on, and the lists below start there.
		at0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		ev := func(i int, e store.Event) *store.Event {
			e.Date = at0.Add(time.Duration(i) * time.Minute)
			if e.ProjectID == 0 {
				e.ProjectID = f.proj.ID
			}
			must(t, s.CreateEvent(ctx, &e))
			return &e
		}
		coverCreated := ev(0, store.Event{Category: store.EventCoverCreated, CoverID: f.cover.ID, SeriesID: f.series.ID})
		patchCreated := ev(1, store.Event{Category: store.EventPatchCreated, PatchID: f.p1.ID, SeriesID: f.series.ID})
		completed := ev(2, store.Event{Category: store.EventPatchCompleted, PatchID: f.p1.ID, SeriesID: f.series.ID})
		stateChanged := ev(3, store.Event{Category: store.EventPatchStateChanged, PatchID: f.p1.ID, ActorID: f.maint.ID,
			PreviousStateID: f.states["new"], CurrentStateID: f.states["under-review"]})
		delegated := ev(4, store.Event{Category: store.EventPatchDelegated, PatchID: f.p1.ID, ActorID: f.maint.ID, CurrentDelegateID: f.maint.ID})
		relation := ev(5, store.Event{Category: store.EventPatchRelationChanged, PatchID: f.p1.ID, ActorID: f.maint.ID, CurrentRelationID: 7})
		// Our own kind: the API never lists it.
		ev(5, store.Event{Category: store.EventPatchUpdated, PatchID: f.p1.ID, ActorID: f.maint.ID})
		checkCreated := ev(6, store.Event{Category: store.EventCheckCreated, PatchID: f.p1.ID, CheckID: f.check.ID, ActorID: f.maint.ID})
		seriesCreated := ev(7, store.Event{Category: store.EventSeriesCreated, SeriesID: f.series.ID})
		seriesCompleted := ev(8, store.Event{Category: store.EventSeriesCompleted, SeriesID: f.series.ID})
		coverComment := ev(9, store.Event{Category: store.EventCoverCommentCreated, CoverID: f.cover.ID, CommentID: f.coverComment.ID})
		patchComment := ev(10, store.Event{Category: store.EventPatchCommentCreated, PatchID: f.p1.ID, CommentID: f.patchComment.ID})
		other := ev(10, store.Event{Category: store.EventPatchCreated, ProjectID: f.proj2.ID, PatchID: f.p4.ID})

		old := "since=2024-04-01&"
		// Newest first; equal dates by id descending.
		e.listIDs("/api/1.3/events/?"+old, "", other.ID, patchComment.ID, coverComment.ID, seriesCompleted.ID, seriesCreated.ID,
			checkCreated.ID, relation.ID, delegated.ID, stateChanged.ID, completed.ID, patchCreated.ID, coverCreated.ID)
		e.listIDs("/api/1.3/events/?"+old+"order=date", "", coverCreated.ID, patchCreated.ID, completed.ID, stateChanged.ID,
			delegated.ID, relation.ID, checkCreated.ID, seriesCreated.ID, seriesCompleted.ID, coverComment.ID, patchComment.ID, other.ID)
		// Comment events only from 1.3.
		e.listIDs("/api/1.2/events/?"+old+"project=test&order=date", "", coverCreated.ID, patchCreated.ID, completed.ID, stateChanged.ID,
			delegated.ID, relation.ID, checkCreated.ID, seriesCreated.ID, seriesCompleted.ID)
		e.listIDs("/api/1.2/events/?category=patch-comment-created", "")
		e.listIDs("/api/1.3/events/?category=patch-comment-created", "", patchComment.ID)

		r := e.getRaw("/api/1.3/events/?"+old+"order=date&project=test", "")
		eqKeys(t, "event", r.body, "id", "category", "project", "date", "actor", "payload")
		l := list(t, r.json(t))
		payload := func(i int) map[string]any { return at(t, l[i], "payload").(map[string]any) }
		wantKeys := [][]string{
			{"cover"}, {"patch"}, {"patch", "series"}, {"patch", "previous_state", "current_state"},
			{"patch", "previous_delegate", "current_delegate"}, {"patch", "previous_relation", "current_relation"},
			{"patch", "check"}, {"series"}, {"series"}, {"cover", "comment"}, {"patch", "comment"},
		}
		raw := string(r.body)
		for i, keys := range wantKeys {
			if len(payload(i)) != len(keys) {
				t.Errorf("event %d (%v) payload %v, want keys %v", i, at(t, l[i], "category"), payload(i), keys)
			}
			for _, k := range keys {
				if _, ok := payload(i)[k]; !ok {
					t.Errorf("event %d (%v) payload lacks %q", i, at(t, l[i], "category"), k)
				}
			}
		}
		// Key order inside the payload, on the raw text.
		for _, seq := range []string{`"payload": {"patch": {`, `"previous_state": "new", "current_state": "under-review"}`,
			`"previous_delegate": null, "current_delegate": {"id": `, `"previous_relation": null, "current_relation": null}`} {
			if !strings.Contains(raw, seq) {
				t.Errorf("events body lacks %s", seq)
			}
		}
		if at(t, l[0], "actor") != nil || at(t, l[3], "actor", "username") != "maint" || at(t, l[3], "date") != "2024-05-01T12:03:00" ||
			at(t, l[0], "category") != "cover-created" || at(t, l[0], "project", "link_name") != "test" {
			t.Errorf("events %v %v", l[0], l[3])
		}
		if at(t, l[0], "payload", "cover", "id") != float64(f.cover.ID) || at(t, l[2], "payload", "series", "mbox") != e.url+"/series/"+itoa(f.series.ID)+"/mbox/" ||
			at(t, l[6], "payload", "check", "context") != "build" || at(t, l[9], "payload", "comment", "id") != float64(f.coverComment.ID) ||
			at(t, l[10], "payload", "comment", "url") != e.url+"/api/1.3/patches/"+itoa(f.p1.ID)+"/comments/"+itoa(f.patchComment.ID)+"/" {
			t.Errorf("payload contents wrong: %s", r.body)
		}
		eqKeys(t, "embedded check", []byte(raw[strings.Index(raw, `"check": {`)+len(`"check": `):]), "id", "url", "date", "state", "target_url", "context")

		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"category=series-created", []int64{seriesCreated.ID}},
			{"category=series-created&category=series-completed", []int64{seriesCompleted.ID, seriesCreated.ID}},
			{"category=bogus", nil},
			{"project=other", []int64{other.ID}},
			{"project=nope", nil},
			{"series=" + itoa(f.series.ID), []int64{seriesCompleted.ID, seriesCreated.ID, completed.ID, patchCreated.ID, coverCreated.ID}},
			{"series=x", nil},
			{"patch=" + itoa(f.p4.ID), []int64{other.ID}},
			{"patch=" + itoa(f.p4.ID) + "&patch=" + itoa(f.p1.ID) + "&category=patch-created", []int64{other.ID, patchCreated.ID}},
			{"cover=" + itoa(f.cover.ID), []int64{coverComment.ID, coverCreated.ID}},
			{"actor=maint&category=patch-delegated", []int64{delegated.ID}},
			{"actor=" + itoa(f.maint.ID) + "&since=2024-05-01T12:05:00", []int64{checkCreated.ID, relation.ID}},
			{"actor=nobody", nil},
			{"since=2024-05-01T12:09:00", []int64{other.ID, patchComment.ID, coverComment.ID}},
			{"since=2024-05-01T12:09:00&per_page=2&page=2", []int64{coverComment.ID}},
			{"before=2024-05-01T12:01:00", []int64{coverCreated.ID}},
		} {
			e.listIDs("/api/1.3/events/?"+old+c.q, "", c.want...)
		}
		// actor is a 1.2 filter: ignored under 1.1.
		if n := len(list(t, e.getOK("/api/1.1/events/?"+old+"actor=nobody", ""))); n != 10 {
			t.Errorf("1.1 actor filter applied: %d events", n)
		}
		// pwclient event-list: since a date alone, follow rel="next".
		r = e.getRaw("/api/1.3/events/?category=patch-created&since=2024-01-01&per_page=1", "")
		link := r.header.Get("Link")
		if !strings.HasPrefix(link, "<"+e.url+"/api/1.3/events/?category=patch-created&page=2&per_page=1&since=2024-01-01>; rel=\"next\"") {
			t.Errorf("events Link %s", link)
		}
		// Events the API itself causes carry the requester as actor.
		e.expect(e.form("PATCH", "/api/1.3/patches/"+itoa(f.p2.ID)+"/", tokenAuth(f.tokSub), "state=rfc"), 200, "")
		got := e.getOK("/api/1.3/events/?category=patch-state-changed&patch="+itoa(f.p2.ID), "")
		if at(t, got, 0, "actor", "username") != "jane" || at(t, got, 0, "payload", "previous_state") != "under-review" ||
			at(t, got, 0, "payload", "current_state") != "rfc" {
			t.Errorf("API event %v", got)
		}
		e.expect(e.req("POST", "/api/1.3/events/", tokenAuth(f.tokMaint), "", ""), 405, `{"detail": "Method \"POST\" not allowed."}`)
	})
}
