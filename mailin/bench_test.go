package mailin

import (
	"context"
	"testing"

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
