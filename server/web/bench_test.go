package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// benchPatches is the seeded size: PATCHWORK_BENCH_PATCHES (make bench sets
// 1,000,000), 10,000 otherwise so that a plain -bench run is quick.
func benchPatches() int {
	if n, err := strconv.Atoi(os.Getenv("PATCHWORK_BENCH_PATCHES")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkPatchListPage measures whole web requests over real HTTP (route,
// store queries, template, transfer) on a seeded project: the default list
// page (the URL people open most), a sorted page deep in the list, a search,
// and a patch page. It reports the median and p99 latency of each.
func BenchmarkPatchListPage(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		b.Run(d, func(b *testing.B) {
			if d == "mysql" && os.Getenv("PATCHWORK_BENCH_MYSQL") == "" {
				b.Skip("mysql: set PATCHWORK_BENCH_MYSQL=1 to include it")
			}
			benchList(b, sqltest.Open(b, d))
		})
	}
}

func benchList(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	n := benchPatches()
	res, err := s.Seed(ctx, sqlstore.SeedOptions{LinkName: "bench", Patches: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d patches in %s", s.Dialect(), n, res.Duration.Round(time.Millisecond))
	// Measure the plans a running site gets, not those of fresh statistics.
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Options{Store: s}))
	b.Cleanup(srv.Close)
	client := srv.Client()
	get := func(path, want string) error {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			return fmt.Errorf("GET %s: status %d, %d bytes, lacks %q", path, resp.StatusCode, len(body), want)
		}
		return nil
	}
	probe, err := s.ListPatches(ctx, store.PatchQuery{
		Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{res.Project.ID}}}, Order: store.OrderDate, Desc: true, Limit: 1,
	})
	if err != nil || len(probe) == 0 {
		b.Fatalf("probe: %v", err)
	}
	word := strings.Fields(probe[0].Name)
	search := word[len(word)-1]
	deep := max(1, n/100/4) // a page a quarter of the way in
	for _, c := range []struct{ name, path, want string }{
		{"first-page", "/project/bench/list/", "<tbody>"},
		{"name-order-deep", "/project/bench/list/?order=name&state=*&page=" + strconv.Itoa(deep), "<tbody>"},
		{"search", "/project/bench/list/?q=" + search, "<tbody>"},
		{"patch-page", mbox.PatchPath("bench", probe[0].MsgID), "<h1>"},
	} {
		if err := get(c.path, c.want); err != nil { // warm caches and check once
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			latencies(b, func() error { return get(c.path, c.want) })
		})
	}
}

// latencies runs fn 200 times, or for 20 seconds but at least 10 times when
// requests are slow (offset pages at a million patches), and reports the
// median and p99 in ms.
func latencies(b *testing.B, fn func() error) {
	b.Helper()
	const rounds, minRounds, budget = 200, 10, 20 * time.Second
	d := make([]time.Duration, 0, rounds)
	start := time.Now()
	for i := 0; i < rounds && (i < minRounds || time.Since(start) < budget); i++ {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	b.ReportMetric(ms(d[len(d)/2]), "p50-ms")
	b.ReportMetric(ms(d[len(d)*99/100]), "p99-ms")
	b.ReportMetric(float64(len(d)), "requests")
	b.ReportMetric(0, "ns/op") // the wrapper's per-op time means nothing here
}
