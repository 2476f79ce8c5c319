package rest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

var lastPage = regexp.MustCompile(`[?&]page=(\d+)[^>]*>; rel="last"`)

// TestCountCacheStaysExact: the Link header's last page, computed from
// cached counts, follows patches created later, and filters on fields
// that change (state) are never served from the cache.
func TestCountCacheStaysExact(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		h := New(Options{Store: s}).(*Handler)
		h.counts.min = 1 // keep every count, not only big ones
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)

		states, err := s.ListStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stateNew, stateAccepted := states[0].ID, states[len(states)-1].ID
		proj := &store.Project{LinkName: "cnt", Name: "Counted", ListID: "cnt.example.com", ListEmail: "cnt@example.com"}
		other := &store.Project{LinkName: "oth", Name: "Other", ListID: "oth.example.com", ListEmail: "oth@example.com"}
		for _, p := range []*store.Project{proj, other} {
			if err := s.CreateProject(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		jane, err := s.UpsertPerson(ctx, "jane@example.com", "Jane", false)
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.UpsertPerson(ctx, "bob@example.com", "Bob", false)
		if err != nil {
			t.Fatal(err)
		}
		seq := 0
		add := func(p *store.Project, who *store.Person) *store.Patch {
			t.Helper()
			seq++
			pt := &store.Patch{ProjectID: p.ID, MsgID: fmt.Sprintf("<c%d@example.com>", seq), Name: fmt.Sprintf("patch %d", seq),
				Date: time.Date(2024, 1, 1, 0, seq, 0, 0, time.UTC), SubmitterID: who.ID, StateID: stateNew,
				Headers: "Subject: x\n", Diff: "--- a/x\n+++ b/x\n"}
			if err := s.CreatePatch(ctx, pt, nil); err != nil {
				t.Fatal(err)
			}
			return pt
		}
		last := func(query string) int {
			t.Helper()
			resp, err := srv.Client().Get(srv.URL + "/api/patches/?per_page=2&" + query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			m := lastPage.FindStringSubmatch(resp.Header.Get("Link"))
			if resp.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("%s: status %d, Link %q", query, resp.StatusCode, resp.Header.Get("Link"))
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		expect := func(query string, want int) {
			t.Helper()
			for _, page := range []string{"", "&page=2"} { // first page and the count-first path
				if page != "" && want < 2 {
					continue
				}
				if got := last(query + page); got != want {
					t.Errorf("%s%s: last page %d, want %d", query, page, got, want)
				}
			}
		}

		var first *store.Patch
		for i := range 5 {
			pt := add(proj, jane)
			if i == 0 {
				first = pt
			}
		}
		add(other, jane)
		expect("project=cnt", 3) // 5 patches
		expect("project=cnt&submitter="+itoa(jane.ID), 3)
		expect("project=cnt&state=new", 3)
		h.counts.mu.Lock()
		cached := len(h.counts.m)
		h.counts.mu.Unlock()
		if cached != 2 {
			t.Errorf("%d counts cached, want 2 (project, project+submitter; never a state filter)", cached)
		}

		add(proj, jane)
		add(proj, bob)
		add(other, bob)
		expect("project=cnt", 4)                          // 7
		expect("project=cnt&submitter="+itoa(jane.ID), 3) // 6
		expect("project=cnt&submitter="+itoa(bob.ID), 1)
		add(proj, jane)
		expect("project=cnt&submitter="+itoa(jane.ID), 4) // 7
		expect("project=cnt", 4)                          // 8

		if _, err := s.UpdatePatch(ctx, first.ID, store.PatchUpdate{StateID: &stateAccepted}, 0); err != nil {
			t.Fatal(err)
		}
		expect("project=cnt&state=new", 4) // 7 still new
		for range 2 {
			add(proj, bob)
		}
		expect("project=cnt&state=new", 5) // 9
		expect("project=cnt", 5)           // 10
	})
}

// fullCounts counts the full counts (up to an id, not above one) a store
// runs for the count cache.
type fullCounts struct {
	store.Store
	mu sync.Mutex
	n  int
}

func (f *fullCounts) CountPatches(ctx context.Context, q store.PatchQuery) (int, error) {
	for _, c := range q.Conds {
		if c.Field == store.FieldID && c.Op == store.OpLe {
			f.mu.Lock()
			f.n++
			f.mu.Unlock()
		}
	}
	return f.Store.CountPatches(ctx, q)
}

// TestCountCacheSharesFullCounts: requests that miss the cache together
// run one full count between them and all get its answer.
func TestCountCacheSharesFullCounts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := &store.Project{LinkName: "flight", Name: "Flight", ListID: "flight.example.com", ListEmail: "flight@example.com"}
		if err := s.CreateProject(ctx, proj); err != nil {
			t.Fatal(err)
		}
		who, err := s.UpsertPerson(ctx, "jane@example.com", "Jane", false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 30 {
			pt := &store.Patch{ProjectID: proj.ID, MsgID: fmt.Sprintf("<f%d@example.com>", i), Name: fmt.Sprintf("patch %d", i),
				Date: time.Date(2024, 1, 1, 0, i, 0, 0, time.UTC), SubmitterID: who.ID, Headers: "Subject: x\n", Diff: "--- a/x\n+++ b/x\n"}
			if err := s.CreatePatch(ctx, pt, nil); err != nil {
				t.Fatal(err)
			}
		}
		spy := &fullCounts{Store: s}
		cc := newCountCache()
		cc.min = 1
		conds := []store.Cond{{Field: store.FieldProject, Ints: []int64{proj.ID}}}
		var wg sync.WaitGroup
		start := make(chan struct{})
		got := make([]int, 20)
		errs := make([]error, 20)
		for k := range got {
			wg.Go(func() {
				<-start
				got[k], errs[k] = cc.count(ctx, spy, conds, time.Now())
			})
		}
		close(start)
		wg.Wait()
		for k := range got {
			if errs[k] != nil || got[k] != 30 {
				t.Fatalf("request %d: count %d, %v", k, got[k], errs[k])
			}
		}
		if spy.n != 1 {
			t.Fatalf("%d full counts for 20 requests missing together, want 1", spy.n)
		}
	})
}
