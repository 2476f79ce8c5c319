package xmlrpc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Upstream Patchwork's figures for the same calls on the same kind of
// machine with the 2,000-patch libuv corpus (issue 4): the benchmark
// reports how many times faster we are.
const (
	upstreamListP50 = 83.0 // ms, patch_list max_count 100
	upstreamListP99 = 101.0
	upstreamGetP50  = 2.8 // ms, patch_get
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
	path := filepath.Join("..", "..", "..", "shared", "corpus", "libuv-2000.mbox")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("CORPUS MISSING: libuv-2000.mbox (%v)", err)
	}
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
	return s, p
}

// benchCase is one XML-RPC call measured repeatedly.
type benchCase struct {
	name   string
	method string
	arg    any
	want   int // results expected in the answer, -1: any
}

// BenchmarkPatchList measures patch_list (max_count 100, first and last
// page, a state filter, a hash look-up) and patch_get over real HTTP, as
// pwclient calls them: on the libuv corpus (2,000 patches, ingested by
// mailin) and on a seeded PATCHWORK_BENCH_PATCHES project, per dialect.
// Besides ns/op it reports the median and 99th percentile in milliseconds
// and, at 2,000 patches, how many times faster than upstream's median
// (x-upstream-p50) and p99 (x-upstream-p99) the call is.
func BenchmarkPatchList(b *testing.B) {
	n := benchSize(b)
	for _, dialect := range benchDialects() {
		b.Run("libuv2000/"+dialect, func(b *testing.B) {
			s, p := ingestLibuv(b, dialect)
			runCases(b, s, p, true)
		})
		b.Run(fmt.Sprintf("patches=%d/%s", n, dialect), func(b *testing.B) {
			s, p := sqltest.Seeded(b, dialect, n)
			runCases(b, s, p, false)
		})
	}
}

// runCases measures every case against project p of s.
func runCases(b *testing.B, s store.Store, p *store.Project, upstream bool) {
	ts := newTestServer(b, s)
	last := ts.list(b, "patch_list", Struct{{"project_id", p.ID}, {"max_count", -1}})
	if len(last) != 1 {
		b.Fatalf("patch_list max_count -1: %d results", len(last))
	}
	lastID, _ := last[0].Get("id")
	// A patch from the middle of the table: neither end is cached hotter.
	mid := ts.list(b, "patch_list", Struct{{"project_id", p.ID}, {"id__lt", lastID.(int64) / 2}, {"max_count", -1}})
	if len(mid) != 1 {
		b.Fatalf("no patch below id %d", lastID.(int64)/2)
	}
	midID, _ := mid[0].Get("id")
	hash, _ := mid[0].Get("hash")
	state, _ := mid[0].Get("state_id")
	for _, bc := range []benchCase{
		{"list-n100", "patch_list", Struct{{"project_id", p.ID}, {"max_count", 100}}, 100},
		{"list-N100", "patch_list", Struct{{"project_id", p.ID}, {"max_count", -100}}, 100},
		{"state-archived-n100", "patch_list", Struct{{"project_id", p.ID}, {"state_id", state}, {"archived", false}, {"max_count", 100}}, -1},
		{"hash", "patch_list", Struct{{"project_id", p.ID}, {"hash", hash}}, -1},
		{"patch_get", "patch_get", midID, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p50, p99 := measure(b, ts, bc)
			if !upstream {
				return
			}
			switch bc.name {
			case "list-n100":
				b.ReportMetric(upstreamListP50/p50, "x-upstream-p50")
				b.ReportMetric(upstreamListP99/p99, "x-upstream-p99")
			case "patch_get":
				b.ReportMetric(upstreamGetP50/p50, "x-upstream-p50")
			}
		})
	}
}

// measure times the call and reports its median and 99th percentile in
// milliseconds. make bench runs one iteration (-benchtime 1x), too few
// for a percentile, so past the timed loop it keeps sampling until it has
// at least 300 calls or 5 seconds of them.
func measure(b *testing.B, ts *testServer, bc benchCase) (p50, p99 float64) {
	// Decode one answer fully; time the rest as a client that only reads
	// the bytes, so that the figures are the server's (encoding/xml on the
	// client side would cost more than the server does).
	ts.call(b, bc.method, bc.arg)
	body := encodeCall(bc.method, bc.arg)
	var lat []time.Duration
	once := func() {
		t0 := time.Now()
		out := ts.post(b, creds{}, body)
		lat = append(lat, time.Since(t0))
		if n := bytes.Count(out, []byte("<name>filename</name>")); bc.want >= 0 && n != bc.want {
			b.Fatalf("%d results, want %d", n, bc.want)
		}
	}
	for b.Loop() {
		once()
	}
	for start := time.Now(); len(lat) < 300 && time.Since(start) < 5*time.Second; {
		once()
	}
	slices.Sort(lat)
	ms := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	p50, p99 = ms(0.5), ms(0.99)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(len(lat)), "samples")
	b.ReportMetric(load1(), "load1")
	return p50, p99
}

// load1 is the one-minute load average (0 where /proc is missing): the
// machine is shared, and a figure means little without it.
func load1() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return 0
	}
	f, _ := strconv.ParseFloat(fields[0], 64)
	return f
}
