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

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Upstream Patchwork's figures for /project/<linkname>/list/ on the same
// kind of machine with the 2,000-patch libuv corpus (issue 7): the
// benchmark reports how many times faster we are.
const (
	upstreamP50 = 42.0 // ms
	upstreamP99 = 88.0
)

// benchSize is the large project: PATCHWORK_BENCH_PATCHES (make bench sets
// 1,000,000), else 100,000 so that a plain go test -bench stays quick.
func benchSize(b *testing.B) int {
	if v := os.Getenv("PATCHWORK_BENCH_PATCHES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("PATCHWORK_BENCH_PATCHES=%q: want a positive number", v)
		}
		return n
	}
	return 100_000
}

// benchDialects are the dialects to measure: MariaDB only on request
// (PATCHWORK_BENCH_MYSQL=1), its million-patch seeding being the slowest.
func benchDialects() []string {
	var out []string
	for _, d := range sqltest.Dialects() {
		if d == "mysql" && os.Getenv("PATCHWORK_BENCH_MYSQL") != "1" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// ingestLibuv loads libuv-2000.mbox through the mail parser into a fresh
// store, as parsearchive does, so that the 2,000-patch figure runs on real
// patches (sizes, series, tags) rather than synthetic rows.
func ingestLibuv(b *testing.B, dialect string) (store.Store, *store.Project) {
	b.Helper()
	var raws [][]byte
	if err := mailin.ReadArchive(corpustest.Path(b, "libuv-2000.mbox"), func(raw []byte) error {
		raws = append(raws, raw)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := sqltest.Open(b, dialect)
	p := &store.Project{LinkName: "libuv", Name: "libuv", ListID: "test.example.com",
		ListEmail: "libuv@example.com", UseTags: true}
	if err := s.CreateProject(ctx, p); err != nil {
		b.Fatal(err)
	}
	ing := mailin.NewIngester(s, nil)
	for rest := raws; len(rest) > 0; {
		n := min(100, len(rest))
		if _, err := ing.IngestRawBatch(ctx, rest[:n], ""); err != nil {
			b.Fatal(err)
		}
		rest = rest[n:]
	}
	n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}})
	if err != nil || n < 1000 {
		b.Fatalf("libuv corpus: %d patches stored (%v)", n, err)
	}
	// Measure the plans a running site gets, not those of fresh statistics.
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return s, p
}

// BenchmarkPatchListPage measures whole web requests over real HTTP (route,
// store queries, template, transfer): the figure of issue 7, the default
// list page /project/<linkname>/list/, plus a name-sorted page deep in the
// list, a search and a patch page. It runs on the libuv corpus (2,000
// patches, ingested by mailin) and on a seeded PATCHWORK_BENCH_PATCHES
// project, per dialect, and reports the median and p99 in ms, the 1-minute
// load average while it ran and, at 2,000 patches, how many times faster
// than upstream the list page is.
func BenchmarkPatchListPage(b *testing.B) {
	n := benchSize(b)
	for _, dialect := range benchDialects() {
		b.Run("libuv2000/"+dialect, func(b *testing.B) {
			s, p := ingestLibuv(b, dialect)
			benchList(b, s, p, true)
		})
		b.Run(fmt.Sprintf("patches=%d/%s", n, dialect), func(b *testing.B) {
			s, p := sqltest.Seeded(b, dialect, n)
			benchList(b, s, p, false)
		})
	}
}

func benchList(b *testing.B, s store.Store, p *store.Project, upstream bool) {
	ctx := context.Background()
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
	n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}})
	if err != nil {
		b.Fatal(err)
	}
	probe, err := s.ListPatches(ctx, store.PatchQuery{
		Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}, Order: store.OrderDate, Desc: true, Limit: 1,
	})
	if err != nil || len(probe) == 0 {
		b.Fatalf("probe: %v", err)
	}
	word := strings.Fields(probe[0].Name)
	search := word[len(word)-1]
	list := "/project/" + p.LinkName + "/list/"
	// The deepest page a name-sorted list shows (the gate's maxSortedPages),
	// or a quarter of the way in when the list is shorter.
	deep := max(1, min(100, n/100/4))
	for _, c := range []struct{ name, path, want string }{
		{"first-page", list, "<tbody>"},
		{"name-order-page", list + "?order=name&state=*&page=" + strconv.Itoa(deep), "<tbody>"},
		{"search", list + "?q=" + search, "<tbody>"},
		{"patch-page", mbox.PatchPath(p.LinkName, probe[0].MsgID), "<h1>"},
	} {
		if err := get(c.path, c.want); err != nil { // warm caches and check once
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			p50, p99 := latencies(b, func() error { return get(c.path, c.want) })
			if upstream && c.name == "first-page" {
				b.ReportMetric(upstreamP50/p50, "x-upstream-p50")
				b.ReportMetric(upstreamP99/p99, "x-upstream-p99")
			}
		})
	}
}

// latencies runs fn 200 times, or for 20 seconds but at least 10 times when
// requests are slow (offset pages at a million patches), and reports the
// median and p99 in ms with the load average, and returns them.
func latencies(b *testing.B, fn func() error) (p50, p99 float64) {
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
	p50, p99 = ms(d[len(d)/2]), ms(d[len(d)*99/100])
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(len(d)), "requests")
	b.ReportMetric(loadAverage(), "load1")
	b.ReportMetric(0, "ns/op") // the wrapper's per-op time means nothing here
	return p50, p99
}

// loadAverage is the 1-minute load average (0 where /proc is missing): the
// figures mean little on a busy machine.
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
