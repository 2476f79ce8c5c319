package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/rest"
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

// BenchmarkPatchListAPI measures whole REST requests over real HTTP
// (routing, authentication, store queries, JSON, transfer) on a seeded
// project: the first page of GET /api/1.3/patches/?project=X at the
// default 30 per page and at 100, git-pw's `patch list` query, a page deep
// in the list, and the series list. It reports median and p99 latency.
func BenchmarkPatchListAPI(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		b.Run(d, func(b *testing.B) {
			if d == "mysql" && os.Getenv("PATCHWORK_BENCH_MYSQL") == "" {
				b.Skip("mysql: set PATCHWORK_BENCH_MYSQL=1 to include it")
			}
			benchAPI(b, sqltest.Open(b, d))
		})
	}
}

func benchAPI(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	n := benchPatches()
	res, err := s.Seed(ctx, sqlstore.SeedOptions{LinkName: "bench", Patches: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d patches in %s", s.Dialect(), n, res.Duration.Round(time.Millisecond))
	srv := httptest.NewServer(rest.New(rest.Options{Store: s}))
	b.Cleanup(srv.Close)
	client := srv.Client()
	get := func(path string, want int) error {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &items) != nil || len(items) != want || resp.Header.Get("Link") == "" {
			return fmt.Errorf("GET %s: status %d, %d items (want %d), %d bytes", path, resp.StatusCode, len(items), want, len(body))
		}
		return nil
	}
	deep := max(1, n/30/4) // a page a quarter of the way in
	for _, c := range []struct {
		name, path string
		want       int
		rounds     int
	}{
		{"first-page-30", "/api/1.3/patches/?project=bench", 30, 200},
		{"first-page-100", "/api/1.3/patches/?project=bench&per_page=100", 100, 200},
		{"git-pw-list", "/api/1.3/patches/?state=new&state=under-review&archived=false&order=-date&per_page=30&project=bench", 30, 200},
		{"deep-page-30", "/api/1.3/patches/?project=bench&page=" + strconv.Itoa(deep), 30, 100},
		{"series-list", "/api/1.3/series/?order=-date&project=bench", 30, 50},
	} {
		if err := get(c.path, c.want); err != nil { // warm caches and check once
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			latencies(b, c.rounds, func() error { return get(c.path, c.want) })
		})
	}
}

// latencies runs fn rounds times and reports the median and p99 in ms.
func latencies(b *testing.B, rounds int, fn func() error) {
	b.Helper()
	d := make([]time.Duration, 0, rounds)
	for range rounds {
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
	b.ReportMetric(0, "ns/op") // the wrapper's per-op time means nothing here
}
