package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/store/upstream"
)

// BenchmarkImportUpstream imports a synthetic upstream database (the
// fixture with its patches and patch comments copied until it holds
// PATCHWORK_BENCH_UPSTREAM_PATCHES patches, default 20,000) into each
// dialect, and reports rows/s and the time a 1,000,000-patch instance
// would take at that rate.
func BenchmarkImportUpstream(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("PATCHWORK_BENCH_UPSTREAM_PATCHES")); err == nil && v > 0 {
		n = v
	}
	src := syntheticUpstream(b, n)
	ctx := context.Background()
	for _, d := range sqltest.Dialects() {
		b.Run(d, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dst := sqltest.Open(b, d)
				db, sd, err := sqlstore.OpenForeign(ctx, "sqlite:"+src)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				rep, err := upstream.Import(ctx, db, sd, dst, upstream.Options{})
				if err != nil {
					b.Fatal(err)
				}
				el := time.Since(start)
				b.StopTimer()
				db.Close()
				rows, patches := 0, 0
				for _, c := range rep.Counts {
					rows += c.Written
					if c.Kind == "patches" {
						patches = c.Written
					}
				}
				b.ReportMetric(float64(rows)/el.Seconds(), "rows/s")
				b.ReportMetric(float64(patches)/el.Seconds(), "patches/s")
				b.ReportMetric(el.Seconds()*1e6/float64(patches)/60, "min/1Mpatches")
				b.StartTimer()
			}
		})
	}
}

// syntheticUpstream makes (once per size, in the temp dir) an upstream
// SQLite database of n patches from the fixture.
func syntheticUpstream(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("patchwork-bench-upstream-%d.sqlite", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	fix := upstreamFixture(b)
	tmp := path + ".part"
	raw, err := os.ReadFile(fix)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite:"+tmp, nil)
	if err != nil {
		b.Fatal(err)
	}
	db := s.DB()
	for k := 1; 2000*(k+1) <= n; k++ {
		off := 2000 * k
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO patchwork_patch (id, msgid, date, headers, content, name, project_id, submitter_id,
				archived, commit_ref, delegate_id, diff, hash, number, pull_url, related_id, series_id, state_id)
				SELECT id + %d, msgid || '.%d', date, headers, content, name, project_id, submitter_id, archived,
				commit_ref, delegate_id, diff, hash, number, pull_url, NULL, NULL, state_id
				FROM patchwork_patch WHERE id <= 2000`, off, k),
			fmt.Sprintf(`INSERT INTO patchwork_patchcomment (id, msgid, date, headers, content, submitter_id, patch_id, addressed)
				SELECT id + %d, msgid, date, headers, content, submitter_id, patch_id + %d, addressed
				FROM patchwork_patchcomment WHERE patch_id <= 2000`, 1000*k, off),
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=DELETE"); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for _, ext := range []string{"-wal", "-shm"} {
		os.Remove(tmp + ext)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}
