package rest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestMultiValueFiltersGolden pins the covers, series and events lists
// asked for with repeated parameters (project, series, patch, cover) and
// q of several words, with orders and pages, to
// testdata/multivalue.golden. The file was written by the code that
// filtered such lists in memory, before the store took value lists:
// every dialect must still give those bytes.
func TestMultiValueFiltersGolden(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		d := func(day, hour int) time.Time { return time.Date(2024, 5, day, hour, 0, 0, 0, time.UTC) }
		// More covers and series, in both projects, with names sharing words.
		s3 := &store.Series{ProjectID: f.proj2.ID, Name: "other widgets series", Date: d(1, 9), SubmitterID: f.person2.ID, Version: 1, Total: 1}
		must(t, s.CreateSeries(ctx, s3))
		s4 := &store.Series{ProjectID: f.proj2.ID, Name: "frob the other way", Date: d(1, 9), SubmitterID: f.person.ID, Version: 3, Total: 2}
		must(t, s.CreateSeries(ctx, s4))
		cv2 := &store.Cover{ProjectID: f.proj2.ID, MsgID: "<cover-2@example.org>", Name: "[0/1] other widgets series", Date: d(1, 9),
			SubmitterID: f.person2.ID, Headers: "Subject: [PATCH 0/1] other widgets series\n", Content: "x", SeriesID: s3.ID}
		must(t, s.CreateCover(ctx, cv2))
		cv3 := &store.Cover{ProjectID: f.proj2.ID, MsgID: "<cover-3@example.org>", Name: "[v3,0/2] frob the other way", Date: d(1, 9),
			SubmitterID: f.person.ID, Headers: "Subject: [PATCH v3 0/2] frob the other way\n", Content: "y", SeriesID: s4.ID}
		must(t, s.CreateCover(ctx, cv3))
		cv4 := &store.Cover{ProjectID: f.proj.ID, MsgID: "<cover-4@example.com>", Name: "[0/3] Widgets, again", Date: d(2, 1),
			SubmitterID: f.person2.ID, Headers: "Subject: [PATCH 0/3] Widgets, again\n", Content: "z", SeriesID: f.series2.ID}
		must(t, s.CreateCover(ctx, cv4))
		// Events with known dates, ties among them.
		for _, e := range []store.Event{
			{Category: store.EventCoverCreated, ProjectID: f.proj.ID, Date: f.date1, CoverID: f.cover.ID},
			{Category: store.EventSeriesCreated, ProjectID: f.proj.ID, Date: f.date1, SeriesID: f.series.ID},
			{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: f.date1, PatchID: f.p1.ID, SeriesID: f.series.ID},
			{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: f.date2, PatchID: f.p2.ID, SeriesID: f.series.ID},
			{Category: store.EventSeriesCompleted, ProjectID: f.proj.ID, Date: f.date2, SeriesID: f.series.ID},
			{Category: store.EventPatchCreated, ProjectID: f.proj2.ID, Date: f.date2, PatchID: f.p4.ID},
			{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: f.date3, PatchID: f.p3.ID},
			{Category: store.EventSeriesCreated, ProjectID: f.proj2.ID, Date: d(1, 9), SeriesID: s3.ID},
			{Category: store.EventCoverCreated, ProjectID: f.proj2.ID, Date: d(1, 9), CoverID: cv2.ID},
			{Category: store.EventSeriesCreated, ProjectID: f.proj2.ID, Date: d(1, 9), SeriesID: s4.ID},
			{Category: store.EventCoverCreated, ProjectID: f.proj2.ID, Date: d(1, 10), CoverID: cv3.ID},
			{Category: store.EventPatchStateChanged, ProjectID: f.proj.ID, Date: d(3, 0), PatchID: f.p2.ID, ActorID: f.maint.ID,
				PreviousStateID: f.states["new"], CurrentStateID: f.states["under-review"]},
			{Category: store.EventCoverCreated, ProjectID: f.proj.ID, Date: d(2, 1), CoverID: cv4.ID},
		} {
			must(t, s.CreateEvent(ctx, &e))
		}
		h := rest.New(rest.Options{Store: s, BaseURL: goldenBase})
		var b strings.Builder
		both := "project=test&project=other"
		for _, path := range []string{
			"/api/1.3/covers/?" + both,
			"/api/1.3/covers/?" + both + "&order=-name",
			"/api/1.3/covers/?" + both + "&order=date",
			"/api/1.3/covers/?" + both + "&order=-submitter&per_page=2&page=2",
			"/api/1.3/covers/?" + both + "&per_page=2&page=9",
			"/api/1.3/covers/?q=frob+widgets",
			"/api/1.3/covers/?q=widgets,series&order=-date",
			"/api/1.3/covers/?q=WIDGETS+again",
			"/api/1.3/covers/?series=" + itoa(f.series.ID) + "&series=" + itoa(s4.ID),
			"/api/1.3/covers/?series=" + itoa(f.series.ID) + "&series=" + itoa(s4.ID) + "&" + both + "&q=frob+0",
			"/api/1.3/covers/?project=other&project=test&submitter=" + itoa(f.person2.ID),
			"/api/1.1/covers/?" + both,
			"/api/1.3/series/?" + both,
			"/api/1.3/series/?" + both + "&order=-date&per_page=2&page=2",
			"/api/1.3/series/?" + both + "&order=name",
			"/api/1.3/series/?" + both + "&order=-received_all",
			"/api/1.3/series/?q=other+series",
			"/api/1.3/series/?q=frob,widgets&order=-id",
			"/api/1.3/series/?project=other&project=test&q=the+way&per_page=1",
			"/api/1.3/series/?" + both + "&per_page=3&page=5",
			"/api/1.3/events/?" + both,
			"/api/1.3/events/?" + both + "&order=date",
			"/api/1.3/events/?" + both + "&order=date&per_page=3&page=3",
			"/api/1.3/events/?" + both + "&per_page=5&page=9",
			"/api/1.3/events/?patch=" + itoa(f.p1.ID) + "&patch=" + itoa(f.p4.ID) + "&patch=" + itoa(f.p2.ID),
			"/api/1.3/events/?series=" + itoa(f.series.ID) + "&series=" + itoa(s4.ID),
			"/api/1.3/events/?cover=" + itoa(f.cover.ID) + "&cover=" + itoa(cv3.ID) + "&cover=" + itoa(cv4.ID) + "&order=date",
			"/api/1.3/events/?" + both + "&category=patch-created&category=cover-created",
			"/api/1.3/events/?" + both + "&since=2024-03-02T00:00:00&before=2024-05-02T00:00:00",
			"/api/1.3/events/?patch=" + itoa(f.p2.ID) + "&patch=" + itoa(f.p3.ID) + "&project=test&project=other&series=" + itoa(f.series.ID),
		} {
			b.WriteString(goldenGet(t, h, path))
		}
		compareGolden(t, "multivalue.golden", b.String(), false)
	})
}
