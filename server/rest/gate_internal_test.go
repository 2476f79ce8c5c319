package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestExpensiveListsAreBounded: patches/ ordered by something no index
// answers, searched by word or paged deep waits for one of a few slots and
// gets a 503 with Retry-After when none frees, or when it runs past the
// gate's time limit; lists by id or date, as git-pw and pwclient ask for
// them, never wait.
func TestExpensiveListsAreBounded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		g := gate.New(gate.Options{Slots: 1, Wait: time.Nanosecond})
		h := New(Options{Store: s, Gate: g}).(*Handler)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)

		states, err := s.ListStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		who, err := s.UpsertPerson(ctx, "jane@example.com", "Jane", false)
		if err != nil {
			t.Fatal(err)
		}
		p := &store.Project{LinkName: "g", Name: "G", ListID: "g.example.com", ListEmail: "g@example.com"}
		if err := s.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			pt := &store.Patch{ProjectID: p.ID, MsgID: fmt.Sprintf("<g-%d@example.com>", i), Name: fmt.Sprintf("frob widget %d", i),
				Date: time.Date(2024, 1, 1, 0, i, 0, 0, time.UTC), SubmitterID: who.ID, StateID: states[0].ID,
				Headers: "Subject: x\n", Diff: "--- a/x\n+++ b/x\n"}
			if err := s.CreatePatch(ctx, pt, nil); err != nil {
				t.Fatal(err)
			}
		}
		get := func(query string, status int, want string) {
			t.Helper()
			resp, err := srv.Client().Get(srv.URL + "/api/1.3/patches/?project=g" + query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != status || !strings.Contains(string(body), want) || !json.Valid(body) {
				t.Fatalf("%s: status %d (want %d), body %s (want %q)", query, resp.StatusCode, status, body, want)
			}
			if retry := resp.Header.Get("Retry-After"); (status == http.StatusServiceUnavailable) != (retry != "") {
				t.Errorf("%s: status %d with Retry-After %q", query, resp.StatusCode, retry)
			}
		}

		expensive := []string{"&order=name", "&order=-submitter", "&q=widget", "&page=400&per_page=30"}
		for _, q := range expensive[:3] {
			get(q, http.StatusOK, "frob widget 2")
		}
		get(expensive[3], http.StatusNotFound, "Invalid page.") // gated, then counted: no such page

		release, err := g.Hold(ctx) // the only slot is taken
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range expensive {
			get(q, http.StatusServiceUnavailable, "try again in a few seconds")
		}
		for _, q := range []string{"", "&order=-date", "&order=id&page=1", "&state=new&archived=false&order=-date&per_page=30"} {
			get(q, http.StatusOK, "frob widget")
		}
		release()

		h.gate = gate.New(gate.Options{Slots: 1, Timeout: -1}) // a time limit already past
		for _, q := range expensive {
			get(q, http.StatusServiceUnavailable, "took too long")
		}
		get("&order=-date", http.StatusOK, "frob widget 2")
		if g.InUse() != 0 || h.gate.InUse() != 0 {
			t.Errorf("%d+%d gate slots still taken", g.InUse(), h.gate.InUse())
		}
	})
}
