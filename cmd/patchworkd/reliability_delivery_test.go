package main

// Nothing lost, nothing doubled (issue 9): the corpus fed twice, shuffled,
// by two processes at once, one process per mail of a series, and with
// parsearchive killed halfway. Every run is compared line by line with a
// clean run of the same mails (relSnapshot), not only by counts.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// relReference loads the whole corpus once, cleanly, into SQLite and
// checks it against what upstream stores.
func relReference(t *testing.T) ([]relMail, relSnap) {
	t.Helper()
	corpus := relCorpus(t)
	db := relNewDB(t, "sqlite")
	start := time.Now()
	r := relParsearchive(t, db, relCorpusFile(t))
	t.Logf("clean parsearchive of %d mails into sqlite: %v; summary: %s", len(corpus), time.Since(start).Round(time.Millisecond), r.stdout+r.stderr)
	ref := relSnapshot(t, db)
	if ref.counts != relWant {
		t.Fatalf("clean run: %+v, want %+v (what upstream stores)", ref.counts, relWant)
	}
	if len(ref.dups) > 0 {
		t.Fatalf("clean run stored message ids twice: %v", ref.dups)
	}
	return corpus, ref
}

// TestReliabilityDelivery feeds the corpus in every bad way a mail server
// or an operator can, and checks the database ends up as after one clean
// run.
func TestReliabilityDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds the 2,688-mail corpus many times")
	}
	corpus, ref := relReference(t)

	// Twice in one file, then the whole file again shuffled: parsearchive
	// sees every mail three times, the second and third as duplicates, and
	// the shuffled pass delivers replies before what they reply to.
	t.Run("twice and shuffled", func(t *testing.T) {
		db := relNewDB(t, "sqlite")
		twice := relWriteMbox(t, "twice.mbox", append(append([]relMail(nil), corpus...), corpus...))
		relParsearchive(t, db, twice)
		relSameAs(t, "corpus fed twice", relSnapshot(t, db), ref)

		relParsearchive(t, db, relWriteMbox(t, "shuffled.mbox", relShuffled(t, corpus, 1)))
		relSameAs(t, "then shuffled on top", relSnapshot(t, db), ref)
	})

	// Shuffled into an empty database: series must come together whatever
	// the order (replies first, patch 3 before the cover...).
	t.Run("shuffled only", func(t *testing.T) {
		db := relNewDB(t, "sqlite")
		relParsearchive(t, db, relWriteMbox(t, "shuffled.mbox", relShuffled(t, corpus, 2)))
		relSameAs(t, "corpus shuffled", relSnapshot(t, db), ref)
	})

	// Two processes at once, one with each half of the archive, split
	// where a thread starts. They race for the shared rows (people, the
	// v2 series that refer to v1 covers in the other half, events).
	half := len(corpus) / 2
	for half < len(corpus) && relHeader(corpus[half].raw, "References") != "" {
		half++
	}
	for _, d := range sqltestDialects() {
		t.Run("two halves at once/"+d, func(t *testing.T) {
			// The servers wait on disk more than on CPU: the dialects
			// overlap.
			t.Parallel()
			db := relNewDB(t, d)
			even, odd := corpus[:half], corpus[half:]
			paths := []string{relWriteMbox(t, "even.mbox", even), relWriteMbox(t, "odd.mbox", odd)}
			start := time.Now()
			relParallel(2, 2, func(i int) { relParsearchive(t, db, paths[i]) })
			t.Logf("two parsearchive processes, %d + %d mails, %s: %v", len(even), len(odd), d, time.Since(start).Round(time.Millisecond))
			relSameAs(t, "two halves at once on "+d, relSnapshot(t, db), ref)
		})
	}

	// kill -9 while parsearchive is writing, then run it again.
	t.Run("kill -9 halfway", func(t *testing.T) {
		db := relNewDB(t, "sqlite")
		s := relOpen(t, db)
		// Small batches: many commits, so that the kill lands between two.
		cmd := relCmd(t, db, "parsearchive", "--batch", "50", relCorpusFile(t))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		relWaitFor(t, "half the corpus stored", 2*time.Minute, func() bool {
			select {
			case err := <-done:
				t.Fatalf("parsearchive ended before it could be killed: %v", err)
			default:
			}
			var n int
			_ = s.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM patches").Scan(&n)
			return n >= relWant.Patches/2
		})
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		mid := relSnapshot(t, db)
		t.Logf("killed with %+v stored", mid.counts)
		if mid.counts.Patches >= relWant.Patches {
			t.Fatalf("parsearchive had finished before the kill: %+v", mid.counts)
		}
		relParsearchive(t, db, relCorpusFile(t))
		relSameAs(t, "kill -9 then again", relSnapshot(t, db), ref)
	})
}

// TestReliabilitySeriesRace delivers every mail of a few series, each by
// its own parsemail process, all at the same moment (the upstream race
// that splits one series in two), on every dialect.
func TestReliabilitySeriesRace(t *testing.T) {
	corpus := relCorpus(t)
	picked := relPickSeries(t, corpus)
	ids := map[string]bool{}
	for _, m := range picked {
		ids[m.msgid] = true
	}
	// The expected result: the same mails, one clean parsearchive.
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "picked.mbox", picked))
	want := relSnapshot(t, clean)
	if want.counts.Series < 2 || want.counts.Incomplete != 0 {
		t.Fatalf("the picked mails make %+v in a clean run: want complete series", want.counts)
	}
	t.Logf("%d mails of %d series, one parsemail process each, at once", len(picked), want.counts.Series)

	for _, d := range sqltestDialects() {
		t.Run(d, func(t *testing.T) {
			for round := 0; round < 2; round++ {
				db := relNewDB(t, d)
				relAtOnce(t, db, picked)
				got := relSnapshot(t, db)
				relSameAs(t, fmt.Sprintf("round %d on %s", round, d), got, want)
				if t.Failed() {
					return
				}
			}
		})
	}
}

// relAtOnce starts one parsemail process per mail, waits until every one
// is running, then gives all of them their mail at the same moment.
func relAtOnce(t *testing.T, db string, mails []relMail) {
	t.Helper()
	type proc struct {
		cmd  *exec.Cmd
		in   interface{ Close() error }
		feed func() error
		out  *relOutput
	}
	procs := make([]proc, len(mails))
	for i, m := range mails {
		cmd := relCmd(t, db, "parsemail")
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out := &relOutput{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		body := m.body()
		procs[i] = proc{cmd: cmd, in: w, out: out, feed: func() error {
			if _, err := w.Write(body); err != nil {
				return err
			}
			return w.Close()
		}}
	}
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := procs[i].feed(); err != nil {
				t.Errorf("feed %s: %v", mails[i].msgid, err)
			}
		}()
	}
	wg.Wait()
	for i, p := range procs {
		err := p.cmd.Wait()
		if err != nil {
			t.Errorf("parsemail of %s: %v\n%s", mails[i].msgid, err, p.out.String())
		}
	}
}

// relOutput collects a process's output from two pipes.
type relOutput struct {
	mu sync.Mutex
	b  []byte
}

func (o *relOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b = append(o.b, p...)
	return len(p), nil
}

func (o *relOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.b)
}

// relHeader returns the unfolded value of a header of a raw mail.
func relHeader(raw []byte, name string) string {
	head := raw
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		head = raw[:i+1]
	}
	lines := strings.Split(string(head), "\n")
	prefix := strings.ToLower(name) + ":"
	for i, l := range lines {
		if !strings.HasPrefix(strings.ToLower(l), prefix) {
			continue
		}
		v := l[len(prefix):]
		for _, next := range lines[i+1:] {
			if next == "" || (next[0] != ' ' && next[0] != '\t') {
				break
			}
			v += " " + strings.TrimSpace(next)
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// relPickSeries chooses the mails of a few whole threads of the corpus:
// one holding a series and its v2 re-post (threaded to the v1 cover), the
// largest other thread with a cover letter and replies, and a series with
// no cover letter. Threads are found from References alone.
func relPickSeries(t *testing.T, corpus []relMail) []relMail {
	t.Helper()
	threads := map[string][]relMail{}
	var order []string
	rootOf := func(m relMail) string {
		if refs := relMsgIDs(relHeader(m.raw, "References")); len(refs) > 0 {
			return refs[0]
		}
		return m.msgid
	}
	for _, m := range corpus {
		r := rootOf(m)
		if _, ok := threads[r]; !ok {
			order = append(order, r)
		}
		threads[r] = append(threads[r], m)
	}
	var v2, big, nocover string
	for _, r := range order {
		th := threads[r]
		subj := relHeader(th[0].raw, "Subject")
		hasV2 := false
		for _, m := range th {
			if strings.HasPrefix(relHeader(m.raw, "Subject"), "[PATCH v2") {
				hasV2 = true
			}
		}
		switch {
		case hasV2 && v2 == "" && len(th) <= 20:
			v2 = r
		case !hasV2 && strings.Contains(subj, " 0/") && len(th) <= 20 && (big == "" || len(th) > len(threads[big])):
			big = r
		case !hasV2 && strings.Contains(subj, " 1/") && len(th) >= 3 && nocover == "":
			nocover = r
		}
	}
	if v2 == "" || big == "" || nocover == "" {
		t.Fatalf("corpus: no threads to pick (v2 %q, cover %q, no cover %q)", v2, big, nocover)
	}
	var out []relMail
	for _, r := range []string{v2, big, nocover} {
		out = append(out, threads[r]...)
	}
	return out
}

var relAngleRe = regexp.MustCompile(`<[^<>\s]+>`)

func relMsgIDs(s string) []string { return relAngleRe.FindAllString(s, -1) }

// sqltestDialects are the dialects every test covers; sqltest.URL skips
// (or, under CI, fails) those without a server.
func sqltestDialects() []string { return []string{"sqlite", "postgres", "mysql"} }
