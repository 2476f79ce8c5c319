package sqlstore_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// benchPatches is the seeded size: PATCHWORK_BENCH_PATCHES (make bench sets
// 1,000,000), 100,000 otherwise.
func benchPatches() int {
	if n, err := strconv.Atoi(os.Getenv("PATCHWORK_BENCH_PATCHES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// latencies runs fn rounds times and reports the median and p99 in ms.
func latencies(b *testing.B, rounds int, fn func(i int) error) {
	b.Helper()
	d := make([]time.Duration, 0, rounds)
	for i := range rounds {
		t0 := time.Now()
		if err := fn(i); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	b.ReportMetric(ms(d[len(d)/2]), "p50-ms")
	b.ReportMetric(ms(d[len(d)*99/100]), "p99-ms")
	b.ReportMetric(0, "ns/op") // per-op time of the wrapper means nothing here
}

// BenchmarkPatchQueries seeds one project per dialect and measures the
// queries every front end runs: the first page of the default list
// (action-required states, not archived, newest first), a page deep in the
// list by keyset, counts per state, get by id and by hash.
func BenchmarkPatchQueries(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		b.Run(d, func(b *testing.B) {
			if d == "mysql" && os.Getenv("PATCHWORK_BENCH_MYSQL") == "" {
				b.Skip("mysql: set PATCHWORK_BENCH_MYSQL=1 to include it (the issue's figures are SQLite and PostgreSQL)")
			}
			s := sqltest.Open(b, d)
			benchQueries(b, s)
		})
	}
}

func benchQueries(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	n := benchPatches()
	res, err := s.Seed(ctx, sqlstore.SeedOptions{LinkName: "bench", Patches: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d patches in %s (%.0f patches/s)", s.Dialect(), n, res.Duration.Round(time.Millisecond), float64(n)/res.Duration.Seconds())
	const rounds = 200
	base := []store.Cond{
		{Field: store.FieldProject, Ints: []int64{res.Project.ID}},
		{Field: store.FieldActionRequired, Bool: true},
		{Field: store.FieldArchived, Bool: false},
	}
	first := store.PatchQuery{Conds: base, Order: store.OrderDate, Desc: true, Limit: 100}
	b.Run("seed", func(b *testing.B) {
		b.ReportMetric(float64(n)/res.Duration.Seconds(), "patches/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("first-page", func(b *testing.B) {
		latencies(b, rounds, func(int) error {
			rows, err := s.ListPatches(ctx, first)
			if err == nil && len(rows) != 100 {
				b.Fatalf("first page has %d rows", len(rows))
			}
			return err
		})
	})
	// Cursors spread through the list: walk it once by id to collect them.
	all := store.PatchQuery{Conds: base[:1], Order: store.OrderDate, Desc: true, Limit: 100}
	var cursors []store.Cursor
	probe := all
	probe.Offset = n / 2
	probe.Limit = 1
	mid, err := s.ListPatches(ctx, probe)
	if err != nil || len(mid) == 0 {
		b.Fatalf("middle of the list: %v", err)
	}
	for i := range rounds {
		c := store.CursorOf(mid[0])
		c.Date = c.Date.Add(time.Duration(i) * time.Hour)
		cursors = append(cursors, c)
	}
	b.Run("deep-page-keyset", func(b *testing.B) {
		latencies(b, rounds, func(i int) error {
			q := first
			q.After = &cursors[i]
			rows, err := s.ListPatches(ctx, q)
			if err == nil && len(rows) == 0 {
				b.Fatal("deep page is empty")
			}
			return err
		})
	})
	b.Run("count-by-state", func(b *testing.B) {
		archived := false
		latencies(b, 50, func(int) error {
			_, err := s.CountByState(ctx, res.Project.ID, &archived)
			return err
		})
	})
	b.Run("get-by-id", func(b *testing.B) {
		latencies(b, rounds, func(i int) error {
			_, err := s.GetPatch(ctx, mid[0].ID-int64(i*7))
			return err
		})
	})
	b.Run("get-by-hash", func(b *testing.B) {
		latencies(b, rounds, func(i int) error {
			ps, err := s.GetPatchesByHash(ctx, res.Project.ID, res.Hashes[i%len(res.Hashes)])
			if err == nil && len(ps) != 1 {
				b.Fatalf("hash look-up found %d", len(ps))
			}
			return err
		})
	})
}
