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
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Upstream Patchwork's figures for GET /api/1.3/patches/?project=…
// (first page, per_page 100) on the same kind of machine with the
// 2,000-patch libuv corpus (issue 5): the benchmark reports how many times
// faster we are.
const (
	upstreamP50 = 35.0 // ms
	upstreamP99 = 75.0
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
	path := corpustest.Path(b, "libuv-2000.mbox")
	var raws [][]byte
	if err := mailin.ReadArchive(path, func(raw []byte) error {
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
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return s, p
}

// BenchmarkPatchListAPI measures whole REST requests over real HTTP
// (routing, store queries, JSON, transfer): the figure of issue 5, the
// first page of GET /api/1.3/patches/?project=X&per_page=100, plus the
// default 30 per page, git-pw's `patch list` query, a page deep in the
// list and the series list. It runs on the libuv corpus (2,000 patches,
// ingested by mailin) and on a seeded PATCHWORK_BENCH_PATCHES project,
// per dialect, and reports the median and p99 in ms, the 1-minute load
// average while it ran (the figures mean little on a busy machine) and, at
// 2,000 patches, how many times faster than upstream the figure is.
func BenchmarkPatchListAPI(b *testing.B) {
	n := benchSize(b)
	for _, dialect := range benchDialects() {
		b.Run("libuv2000/"+dialect, func(b *testing.B) {
			s, p := ingestLibuv(b, dialect)
			benchAPI(b, s, p, true)
		})
		b.Run(fmt.Sprintf("patches=%d/%s", n, dialect), func(b *testing.B) {
			s, p := sqltest.Seeded(b, dialect, n)
			benchAPI(b, s, p, false)
		})
	}
}

func benchAPI(b *testing.B, s store.Store, p *store.Project, upstream bool) {
	ctx := context.Background()
	srv := httptest.NewServer(rest.New(rest.Options{Store: s}))
	b.Cleanup(srv.Close)
	client := srv.Client()
	// fetch is what a request costs the client: sent, answered, body
	// read. Decoding the JSON is the client's own work and is done only
	// once per case, by check.
	fetch := func(path string) ([]byte, *http.Response, error) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		return body, resp, err
	}
	get := func(path string, want int) error {
		body, resp, err := fetch(path)
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &items) != nil ||
			(want >= 0 && len(items) != want) || !strings.Contains(resp.Header.Get("Link"), `rel="last"`) {
			return fmt.Errorf("GET %s: status %d, %d items (want %d), %d bytes", path, resp.StatusCode, len(items), want, len(body))
		}
		return nil
	}
	total, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}}})
	if err != nil {
		b.Fatal(err)
	}
	proj := "project=" + p.LinkName
	deep := max(1, total/30/4) // a page a quarter of the way in
	for _, c := range []struct {
		name, path string
		want       int
	}{
		{"first-page-100", "/api/1.3/patches/?" + proj + "&per_page=100", 100},
		{"first-page-30", "/api/1.3/patches/?" + proj, 30},
		{"git-pw-list", "/api/1.3/patches/?state=new&state=under-review&archived=false&order=-date&per_page=30&" + proj, -1},
		{"deep-page-30", "/api/1.3/patches/?" + proj + "&page=" + strconv.Itoa(deep), 30},
		{"series-list", "/api/1.3/series/?order=-date&" + proj, 30},
	} {
		if err := get(c.path, c.want); err != nil { // warm caches and check once
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			p50, p99 := latencies(b, func() error {
				_, _, err := fetch(c.path)
				return err
			})
			if upstream && c.name == "first-page-100" {
				b.ReportMetric(upstreamP50/p50, "x-upstream-p50")
				b.ReportMetric(upstreamP99/p99, "x-upstream-p99")
			}
		})
	}
}

// latencies runs fn 200 times, or for 20 seconds but at least 10 times when
// requests are slow, reports the median and p99 in ms, the number of
// requests and the load average, and returns the median and p99.
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

// loadAverage is the 1-minute load average (0 where /proc is missing).
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

// BenchmarkPatchListHandler is the CPU side of the first-page-100 request
// of BenchmarkPatchListAPI without the network: the handler is called in
// process b.N times on the libuv corpus, so ns/op and allocs/op are
// repeatable where wall-clock latencies on a busy machine are not.
func BenchmarkPatchListHandler(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run("libuv2000/"+dialect, func(b *testing.B) {
			s, p := ingestLibuv(b, dialect)
			h := rest.New(rest.Options{Store: s})
			req := httptest.NewRequest(http.MethodGet, "/api/1.3/patches/?project="+p.LinkName+"&per_page=100", nil)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK || w.n < 100_000 {
				b.Fatalf("status %d, %d bytes", w.status, w.n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			// The process's CPU time (user and system, every thread: the
			// GC's too, not a database server's) varies less with other
			// load than the wall clock ns/op.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// discardWriter counts what a handler writes and keeps nothing.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n = len(p)
	return len(p), nil
}

// cpuTime is the CPU time the process has used (0 where getrusage fails).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
