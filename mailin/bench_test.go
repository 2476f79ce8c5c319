package mailin

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/faultproxy"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// BenchmarkIngest imports libuv-2000.mbox (2,688 mails) into an empty
// database, in batches of 100 as parsearchive does, and reports mails per
// second. Mails are read and split beforehand; parsing is timed.
func BenchmarkIngest(b *testing.B) {
	mails := libuvMails(b)
	for _, d := range sqltest.Dialects() {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			var total int
			for b.Loop() {
				b.StopTimer()
				s := sqltest.Open(b, d)
				newProject(b, s, "libuv", testListID)
				ing := NewIngester(s, nil)
				b.StartTimer()
				for rest := mails; len(rest) > 0; {
					n := min(100, len(rest))
					if _, err := ing.IngestRawBatch(ctx, rest[:n], ""); err != nil {
						b.Fatal(err)
					}
					rest = rest[n:]
				}
				total += len(mails)
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}

// BenchmarkParse is the parser alone over the same archive.
func BenchmarkParse(b *testing.B) {
	mails := libuvMails(b)
	var total int
	for b.Loop() {
		for _, raw := range mails {
			if _, err := Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
		total += len(mails)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkFindPullURL runs the request-pull detection over the archive's
// texts: "pattern" is the upstream pattern on every text, as before the
// prefilter, "findPullURL" what parsing does now. Their ratio is the
// prefilter's gain.
func BenchmarkFindPullURL(b *testing.B) {
	var texts []string
	for _, raw := range libuvMails(b) {
		if m, err := Parse(raw); err == nil {
			texts = append(texts, m.Content)
		}
	}
	b.Run("pattern", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				pullRe.FindStringSubmatch(t)
			}
		}
	})
	b.Run("findPullURL", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				findPullURL(t)
			}
		}
	})
}

// benchDeliverMails is how many corpus mails BenchmarkDeliverOne feeds.
const benchDeliverMails = 600

// BenchmarkDeliverOne is the daemon's mail in as one MTA connection drives
// it: the corpus's first mails delivered one at a time (DeliverBatch of
// one, as the LMTP server hands over a mail that arrived alone), each
// after the last committed. Its figures are the database requests per
// mail (round trips, counted on the wire by a proxy: independent of the
// machine's load), and the milliseconds per mail, which they bound.
func BenchmarkDeliverOne(b *testing.B) {
	mails := libuvMails(b)[:benchDeliverMails]
	for _, d := range sqltest.Dialects() {
		if d == "sqlite" {
			continue // no wire to count on
		}
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			var ms []float64
			var reqs int64
			var total int
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s, proxy := proxiedStore(b, d)
				newProject(b, s, "libuv", testListID)
				ing := NewIngester(s, nil)
				before := proxy.Requests()
				cpuBefore, cpuOK := pgBackendsCPU(b, s)
				b.StartTimer()
				for _, raw := range mails {
					start := time.Now()
					dl := ing.DeliverBatch(ctx, [][]byte{raw}, "")
					ms = append(ms, float64(time.Since(start).Microseconds())/1000)
					if dl[0].Temporary {
						b.Fatalf("delivery: %v", dl[0].Err)
					}
				}
				reqs += proxy.Requests() - before
				total += len(mails)
				if cpuAfter, ok := pgBackendsCPU(b, s); ok && cpuOK {
					cpu += cpuAfter - cpuBefore
				} else {
					cpu = -1
				}
			}
			slices.Sort(ms)
			b.ReportMetric(float64(reqs)/float64(total), "requests/mail")
			b.ReportMetric(ms[len(ms)/2], "ms-p50/mail")
			b.ReportMetric(ms[len(ms)*99/100], "ms-p99/mail")
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "mails/s")
			if d == "postgres" && cpu >= 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(total), "db-cpu-ms/mail")
			}
		})
	}
}

// pgBackendsCPU is the CPU time the PostgreSQL backends serving the store's
// database have used (what the server spent on its statements, less
// dependent on the machine's load than their durations), when the server
// runs on this machine and its processes can be read.
func pgBackendsCPU(t testing.TB, s *sqlstore.Store) (time.Duration, bool) {
	t.Helper()
	if s.Dialect() != "postgres" {
		return 0, false
	}
	rows, err := s.DB().QueryContext(context.Background(),
		"SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	var ticks int64
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, false
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, false
		}
		// Fields after the command name (which may hold spaces): utime
		// and stime are the 12th and 13th.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	if rows.Err() != nil {
		return 0, false
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}

// proxiedStore opens a fresh database of dialect d through a proxy that
// counts its requests.
func proxiedStore(t testing.TB, d string) (*sqlstore.Store, *faultproxy.Proxy) {
	t.Helper()
	proxy, u, err := faultproxy.ForURL(sqltest.URL(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	s, err := sqlstore.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if os.Getenv("PATCHWORK_TRACE_REQUESTS") != "" {
		proxy.Trace(func(conn int, req []byte) {
			fmt.Fprintf(os.Stderr, "req %d: %s\n", conn, printable(req))
		})
	}
	return s, proxy
}

// printable keeps the text of a wire message, for a trace.
func printable(b []byte) string {
	out := make([]rune, 0, min(len(b), 300))
	for _, c := range b[:min(len(b), 300)] {
		if c >= 0x20 && c < 0x7f {
			out = append(out, rune(c))
		} else {
			out = append(out, '.')
		}
	}
	return string(out)
}
