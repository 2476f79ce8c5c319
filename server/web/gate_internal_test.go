package web

import (
	"context"
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

// TestExpensiveListsAreBounded: lists no index answers (sorted by name,
// searched by word) wait for one of a few slots and get a 503 with
// Retry-After when none frees; one that runs past the gate's time limit
// gets a 503 too; a long list sorted by name stops at maxPages with a 400
// (a short one still shows its last page, upstream's rule). Cheap lists
// never wait.
func TestExpensiveListsAreBounded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		g := gate.New(gate.Options{Slots: 1, Wait: time.Nanosecond})
		h := New(Options{Store: s, Gate: g}).(*handler)
		h.maxPages = 1
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)

		states, err := s.ListStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stateNew, ok := store.FindState(states, "new")
		if !ok {
			t.Fatal("no New state")
		}
		who, err := s.UpsertPerson(ctx, "jane@example.com", "Jane", false)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(link string, n int) {
			p := &store.Project{LinkName: link, Name: link, ListID: link + ".example.com", ListEmail: link + "@example.com"}
			if err := s.CreateProject(ctx, p); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				pt := &store.Patch{ProjectID: p.ID, MsgID: fmt.Sprintf("<%s-%d@example.com>", link, i),
					Name: fmt.Sprintf("frob widget %03d", i), Date: time.Date(2024, 1, 1, 0, i, 0, 0, time.UTC),
					SubmitterID: who.ID, StateID: stateNew.ID, Headers: "Subject: x\n", Diff: "--- a/x\n+++ b/x\n"}
				if err := s.CreatePatch(ctx, pt, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		mk("long", pageSize+1) // two pages
		mk("short", 3)

		get := func(path string, status int, want string) {
			t.Helper()
			resp, err := srv.Client().Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != status || !strings.Contains(string(body), want) {
				t.Fatalf("GET %s: status %d (want %d); body has %q: %t", path, resp.StatusCode, status, want, strings.Contains(string(body), want))
			}
			if retry := resp.Header.Get("Retry-After"); (status == http.StatusServiceUnavailable) != (retry != "") {
				t.Errorf("GET %s: status %d with Retry-After %q", path, resp.StatusCode, retry)
			}
		}

		// Depth: page 2 of the long list by name is refused, by date shown;
		// the short list by name still shows its last page for page 5.
		get("/project/long/list/?order=name", http.StatusOK, "frob widget 099")
		get("/project/long/list/?order=name&page=2", http.StatusBadRequest, "sort by date to go further")
		get("/project/long/list/?page=2", http.StatusOK, "frob widget 000")
		get("/project/short/list/?order=-name&page=5", http.StatusOK, "frob widget 002")

		// Busy: the only slot is taken.
		release, err := g.Hold(ctx)
		if err != nil {
			t.Fatal(err)
		}
		get("/project/long/list/?order=name", http.StatusServiceUnavailable, "try again in a few seconds")
		get("/project/long/list/?q=widget", http.StatusServiceUnavailable, "try again in a few seconds")
		get("/project/long/list/", http.StatusOK, "frob widget 100") // by date: no slot needed
		release()
		get("/project/long/list/?q=widget", http.StatusOK, "frob widget 100")

		// Too slow: a time limit already past.
		h.gate = gate.New(gate.Options{Slots: 1, Timeout: -1})
		get("/project/long/list/?q=widget", http.StatusServiceUnavailable, "took too long")
		get("/project/long/list/", http.StatusOK, "frob widget 100")
		if g.InUse() != 0 || h.gate.InUse() != 0 {
			t.Errorf("%d+%d gate slots still taken", g.InUse(), h.gate.InUse())
		}
	})
}
