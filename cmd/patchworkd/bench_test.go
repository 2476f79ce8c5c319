package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// benchParsemailMails is how many corpus mails the parsemail figure feeds,
// one process each: enough for a p99, few enough to take seconds.
const benchParsemailMails = 300

// BenchmarkMailIn gives issue 3's mail-server figures with real processes
// (this test binary acting as patchworkd), per dialect:
//
//	parsearchive: one process loads libuv-2000.mbox (2,688 mails) into an
//	              empty database; mails/s over the process's whole life.
//	parsemail:    the corpus's first mails, each piped to its own parsemail
//	              process in order, as an MTA delivers them; milliseconds
//	              per process (start, open, parse, store, exit).
//
// load1 is the machine's load average at the end (the machine is shared).
func BenchmarkMailIn(b *testing.B) {
	path := relCorpusFile(b)
	mails := relCorpus(b)
	for _, d := range sqltest.Dialects() {
		b.Run(d, func(b *testing.B) {
			b.Run("parsearchive", func(b *testing.B) {
				var total int
				var spent time.Duration
				for b.Loop() {
					b.StopTimer()
					db := relNewDB(b, d)
					b.StartTimer()
					start := time.Now()
					r := relParsearchive(b, db, path)
					spent += time.Since(start)
					total += len(mails)
					b.StopTimer()
					if !strings.Contains(r.stdout, "2000 patches") {
						b.Fatalf("parsearchive stored something else than the corpus:\n%s", r.stdout)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(total)/spent.Seconds(), "mails/s")
				b.ReportMetric(benchLoad1(), "load1")
			})
			b.Run("parsemail", func(b *testing.B) {
				var ms []float64
				for b.Loop() {
					b.StopTimer()
					db := relNewDB(b, d)
					b.StartTimer()
					for _, m := range mails[:benchParsemailMails] {
						start := time.Now()
						r := relParsemail(b, db, m)
						ms = append(ms, float64(time.Since(start).Microseconds())/1000)
						if r.code != 0 {
							b.Fatalf("parsemail %s: exit %d\n%s", m.msgid, r.code, relTail(r.stderr))
						}
					}
				}
				slices.Sort(ms)
				b.ReportMetric(ms[len(ms)/2], "ms-p50/mail")
				b.ReportMetric(ms[min(len(ms)-1, len(ms)*99/100)], "ms-p99/mail")
				b.ReportMetric(benchLoad1(), "load1")
			})
			// The same through a running serve's mail socket: still one
			// parsemail process per mail, the database work on the
			// daemon's connections.
			b.Run("parsemail-via-daemon", func(b *testing.B) {
				var ms []float64
				for b.Loop() {
					b.StopTimer()
					db := relNewDB(b, d)
					sock, stop := serveWithMailSocket(b, db)
					b.StartTimer()
					for _, m := range mails[:benchParsemailMails] {
						start := time.Now()
						r := parsemailVia(b, db, sock, m)
						ms = append(ms, float64(time.Since(start).Microseconds())/1000)
						if r.code != 0 || !strings.Contains(r.stderr, "taken by the daemon") {
							b.Fatalf("parsemail %s via the daemon: exit %d\n%s", m.msgid, r.code, relTail(r.stderr))
						}
					}
					b.StopTimer()
					stop()
					b.StartTimer()
				}
				slices.Sort(ms)
				b.ReportMetric(ms[len(ms)/2], "ms-p50/mail")
				b.ReportMetric(ms[min(len(ms)-1, len(ms)*99/100)], "ms-p99/mail")
				b.ReportMetric(benchLoad1(), "load1")
			})
			// An MTA delivering straight to the daemon over LMTP: one
			// connection, the corpus's mails one after the other, each
			// timed from MAIL FROM to its reply (which comes after the
			// commit); then four connections at once, as Postfix opens
			// several to a busy destination.
			for _, conns := range []int{1, 4} {
				b.Run(fmt.Sprintf("lmtp-direct-%dconn", conns), func(b *testing.B) {
					var ms []float64
					var total int
					var spent time.Duration
					for b.Loop() {
						b.StopTimer()
						db := relNewDB(b, d)
						sock, stop := serveWithMailSocket(b, db)
						b.StartTimer()
						start := time.Now()
						per := make([][]float64, conns)
						relParallel(conns, conns, func(c int) {
							var mine []relMail
							for k := c; k < len(mails); k += conns {
								mine = append(mine, mails[k])
							}
							per[c] = lmtpSendAll(b, sock, mine)
						})
						spent += time.Since(start)
						total += len(mails)
						for _, p := range per {
							ms = append(ms, p...)
						}
						b.StopTimer()
						stop()
						b.StartTimer()
					}
					slices.Sort(ms)
					b.ReportMetric(float64(total)/spent.Seconds(), "mails/s")
					b.ReportMetric(ms[len(ms)/2], "ms-p50/mail")
					b.ReportMetric(ms[min(len(ms)-1, len(ms)*99/100)], "ms-p99/mail")
					b.ReportMetric(benchLoad1(), "load1")
				})
			}
		})
	}
}

// benchLoad1 is the one-minute load average, 0 where /proc is missing.
func benchLoad1() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(raw) + " 0")[0], 64)
	return f
}
