package main

// Database outage (issue 9): the server goes away while mails are being
// delivered. parsemail must answer 75 (EX_TEMPFAIL) for every mail it
// could not store, so that the mail server keeps it and retries, and 0
// only for mails really stored. The outage is made by a faultproxy in
// front of the shared server: the server itself keeps running for the
// other tests.

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/faultproxy"
)

func TestReliabilityDatabaseOutage(t *testing.T) {
	corpus := relCorpus(t)
	// The first 160 mails: whole series with their covers and replies,
	// enough for the outage to start and end in the middle of the run.
	mails := corpus[:160]
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "first160.mbox", mails))
	want := relSnapshot(t, clean)

	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			direct := relNewDB(t, d)
			proxy, viaProxy, err := faultproxy.ForURL(direct)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })

			const workers = 4
			const cutAt, restoreAt = 40, 100 // mails finished
			codes := make([]int, len(mails))
			outs := make([]string, len(mails))
			var finished atomic.Int64
			var mu sync.Mutex // orders the cut and the restore with the counter
			relParallel(len(mails), workers, func(i int) {
				r := relParsemail(t, viaProxy, mails[i])
				codes[i], outs[i] = r.code, r.stderr
				mu.Lock()
				defer mu.Unlock()
				switch finished.Add(1) {
				case cutAt:
					proxy.Cut()
				case restoreAt:
					if err := proxy.Restore(); err != nil {
						t.Error(err)
					}
				}
			})

			var stored, deferred []relMail
			for i, c := range codes {
				switch c {
				case 0:
					stored = append(stored, mails[i])
				case 75:
					deferred = append(deferred, mails[i])
					if relStderrLines(outs[i]) > 1 {
						t.Errorf("parsemail of %s exited 75 with more than one line of stderr:\n%s", mails[i].msgid, outs[i])
					}
				default:
					// Any other status makes the mail server bounce the mail.
					t.Errorf("parsemail of %s exited %d (want 0, or 75 during the outage):\n%s", mails[i].msgid, c, outs[i])
				}
			}
			t.Logf("%s: %d stored, %d deferred with exit 75", d, len(stored), len(deferred))
			if len(deferred) < restoreAt-cutAt-workers {
				t.Fatalf("only %d mails deferred: the outage did not hit the delivery", len(deferred))
			}

			// Exit 0 is a promise: the mail is in the database now, before
			// anything is delivered again.
			mid := relSnapshot(t, direct)
			present := map[string]bool{}
			for _, l := range mid.lines {
				if f := strings.Fields(l); len(f) > 1 && f[0] != "series" {
					present[f[1]] = true
				}
			}
			for _, m := range stored {
				switch {
				case present[m.msgid]:
				case relHeld(t, direct, m.msgid):
					// A reply whose patch was deferred arrived first: kept
					// until the retry brings the patch.
				default:
					t.Errorf("%s: parsemail exited 0 but the mail is not stored: lost", m.msgid)
				}
			}

			// The mail server retries the deferred mails, one at a time, in
			// the order it deferred them.
			for _, m := range deferred {
				if r := relParsemail(t, direct, m); r.code != 0 {
					t.Errorf("retry of %s: exit %d\n%s", m.msgid, r.code, r.stderr)
				}
			}
			relSameAs(t, "after the outage and the retries on "+d, relSnapshot(t, direct), want)
		})
	}
}

// relStderrLines counts the lines a run wrote on stderr (the MySQL
// driver's own "[mysql] ... packets.go" lines count too: sqlstore routes
// them to its logger, so they must not appear).
func relStderrLines(s string) int {
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		n++
	}
	return n
}
