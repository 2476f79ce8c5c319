package xmlrpc

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// benchPatches is the size of the benchmark project.
const benchPatches = 10_000

// seedBench fills a project with n patches from 50 submitters over about
// three years, in a few states, one transaction per 1,000 patches.
func seedBench(b *testing.B, s store.Store, n int) (projectID, submitterID, newState int64, lastID int64) {
	b.Helper()
	ctx := context.Background()
	p := &store.Project{LinkName: "bench", Name: "Bench", ListID: "bench.example.org", ListEmail: "bench@example.org"}
	if err := s.CreateProject(ctx, p); err != nil {
		b.Fatal(err)
	}
	states, err := s.ListStates(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var people []int64
	for i := range 50 {
		pe, err := s.UpsertPerson(ctx, fmt.Sprintf("dev%d@example.org", i), fmt.Sprintf("Developer %d", i), false)
		if err != nil {
			b.Fatal(err)
		}
		people = append(people, pe.ID)
	}
	words := []string{"fix", "add", "remove", "refactor", "test", "doc", "build", "win", "unix", "fs"}
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for lo := 0; lo < n; lo += 1000 {
		err := s.InTx(ctx, func(tx store.Store) error {
			for i := lo; i < min(lo+1000, n); i++ {
				sum := sha1.Sum([]byte(strconv.Itoa(i)))
				pt := &store.Patch{
					ProjectID:   p.ID,
					MsgID:       fmt.Sprintf("<bench-%d@example.org>", i),
					Name:        fmt.Sprintf("[PATCH %d/5] %s: %s the %s path", i%5+1, words[i%7], words[i%10], words[(i/10)%10]),
					Date:        start.Add(time.Duration(i) * 2 * time.Hour),
					SubmitterID: people[i%len(people)],
					Headers:     "Subject: bench\n",
					Content:     "text\n",
					Diff:        "diff --git a/f b/f\n",
					Hash:        hex.EncodeToString(sum[:]),
					StateID:     states[i%3].ID,
					Archived:    i%4 == 0,
				}
				if err := tx.CreatePatch(ctx, pt, nil); err != nil {
					return err
				}
				lastID = pt.ID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return p.ID, people[7], states[0].ID, lastID
}

// BenchmarkPatchList measures patch_list (and patch_get) over real HTTP on
// a 10,000-patch project: what pwclient list waits for. Besides ns/op it
// reports the median and 99th percentile of the calls in milliseconds.
func BenchmarkPatchList(b *testing.B) {
	for _, dialect := range sqltest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			s := sqltest.Open(b, dialect)
			project, submitter, newState, lastID := seedBench(b, s, benchPatches)
			ts := newTestServer(b, s)
			for _, bc := range []struct {
				name   string
				method string
				arg    any
				want   int // results expected, -1: any
			}{
				{"list-n100", "patch_list", Struct{{"project_id", project}, {"max_count", 100}}, 100},
				{"list-N100", "patch_list", Struct{{"project_id", project}, {"max_count", -100}}, 100},
				{"state-archived-n100", "patch_list", Struct{{"project_id", project}, {"state_id", newState}, {"archived", false}, {"max_count", 100}}, 100},
				{"search-n100", "patch_list", Struct{{"project_id", project}, {"name__icontains", "refactor the"}, {"max_count", -100}}, 100},
				{"submitter-all", "patch_list", Struct{{"project_id", project}, {"submitter_id", submitter}}, benchPatches / 50},
				{"hash", "patch_list", Struct{{"project_id", project}, {"hash", hashOf(1234)}}, 1},
				{"date-range", "patch_list", Struct{{"project_id", project}, {"date__range", []any{"2022-01-01", "2022-01-31"}}}, -1},
				{"id-gt-rowtest-n100", "patch_list", Struct{{"project_id", project}, {"id__gt", lastID - 500}, {"max_count", 100}}, 100},
				{"patch_get", "patch_get", lastID - 17, 1},
			} {
				b.Run(bc.name, func(b *testing.B) {
					// Decode one answer fully; time the rest as a client that
					// only reads the bytes, so that the figures are the
					// server's (encoding/xml on the client side would cost
					// more than the server does).
					ts.call(b, bc.method, bc.arg)
					body := encodeCall(bc.method, bc.arg)
					var lat []time.Duration
					for b.Loop() {
						t0 := time.Now()
						out := ts.post(b, creds{}, body)
						lat = append(lat, time.Since(t0))
						if n := bytes.Count(out, []byte("<name>filename</name>")); bc.want >= 0 && n != bc.want {
							b.Fatalf("%d results, want %d", n, bc.want)
						}
					}
					slices.Sort(lat)
					ms := func(q float64) float64 {
						return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
					}
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
				})
			}
		})
	}
}

func hashOf(i int) string {
	sum := sha1.Sum([]byte(strconv.Itoa(i)))
	return hex.EncodeToString(sum[:])
}
