package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestCountCacheUnderIngest links the count cache to the invariant it
// rests on (counts.go): mailin stores a project's patches under
// LockProject, one transaction after another, so their ids become
// visible in increasing order. Several ingesters deliver patches to one
// project while REST counts them through the cache; every count must be
// at most what is stored by then and never shrink, and the last must be
// exact. An ingest that let a lower id commit after a higher one was
// counted would leave the cache short for good (until its TTL).
func TestCountCacheUnderIngest(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		p := &store.Project{LinkName: "race", Name: "Race", ListID: "race.example.org", ListEmail: "race@example.org"}
		if err := s.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		h := New(Options{Store: s}).(*Handler)
		h.counts.min = 1 // keep every count
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)

		last := regexp.MustCompile(`[?&]page=(\d+)[^>]*>; rel="last"`)
		count := func() int {
			resp, err := srv.Client().Get(srv.URL + "/api/1.3/patches/?project=race&per_page=1")
			if err != nil {
				t.Error(err)
				return -1
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("patches/: HTTP %d", resp.StatusCode)
				return -1
			}
			m := last.FindStringSubmatch(resp.Header.Get("Link"))
			if m == nil {
				return 1 // a single page: no count was needed
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		stored := func() int {
			n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}})
			if err != nil {
				t.Error(err)
			}
			return n
		}

		const writers, each = 4, 12
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ing := mailin.NewIngester(s, nil)
				for i := range each {
					raw := fmt.Sprintf("From: Dev %d <dev%d@example.org>\nTo: race@example.org\nList-Id: <race.example.org>\n"+
						"Subject: [PATCH] race: change %d of writer %d\nMessage-Id: <race-%d-%d@example.org>\n"+
						"Date: Mon, 1 Jan 2024 10:%02d:%02d +0000\n\nChange.\n\nSigned-off-by: Dev <dev@example.org>\n---\n"+
						"diff --git a/f%d b/f%d\n--- a/f%d\n+++ b/f%d\n@@ -1 +1 @@\n-a\n+b%d\n",
						w, w, i, w, w, i, w, i, i, i, i, i, i)
					if _, err := ing.Ingest(ctx, []byte(raw), ""); err != nil {
						t.Errorf("ingest %d/%d: %v", w, i, err)
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		prev, reads := 0, 0
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			after := count()
			reads++
			if after < prev {
				t.Fatalf("the count went down from %d to %d", prev, after)
			}
			if n := stored(); after > n && after > 1 {
				t.Fatalf("counted %d patches while %d are stored", after, n)
			}
			prev = after
		}
		if got, want := count(), writers*each; got != want || stored() != want {
			t.Fatalf("after the ingest REST counts %d patches, the store holds %d, want %d (%d reads during the ingest)", got, stored(), want, reads)
		}
	})
}
