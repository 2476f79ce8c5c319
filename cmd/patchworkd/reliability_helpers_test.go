package main

// Helpers of the reliability tests (issue 9): real patchworkd processes on
// real databases, the libuv corpus, and a snapshot of what a database holds
// that two runs can be compared by.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// relCorpusFile is the absolute path of the 2,688-mail list archive the
// reliability tests feed; upstream Patchwork stores it as relWant. Without
// it the tests skip, or fail under CI (corpustest).
func relCorpusFile(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(corpustest.Path(t, "libuv-2000.mbox"))
	if err == nil {
		_, err = os.Stat(p)
	}
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	return p
}

// relListID is the List-Id of every corpus mail.
const relListID = "test.example.com"

// relCounts is what a database holds, by kind.
type relCounts struct {
	Patches, Covers, Comments, Series, Incomplete int
}

// relWant is what upstream stores for the whole corpus (corpus README).
var relWant = relCounts{Patches: 2000, Covers: 423, Comments: 265, Series: 638}

// relCmd returns a command running this test binary as patchworkd on the
// database db (TestMain turns it into main when mainEnv is set).
func relCmd(t testing.TB, db string, args ...string) *exec.Cmd {
	t.Helper()
	return relCmdBin(t, os.Args[0], db, args...)
}

// relCmdBin is relCmd running another build of patchworkd (the soak
// compares two).
func relCmdBin(t testing.TB, bin, db string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	dir := t.TempDir()
	cmd.Dir = dir
	cmd.Env = []string{
		mainEnv + "=1",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"PATCHWORK_DB=" + db,
		"PATCHWORK_LOG_LEVEL=warn",
	}
	cmd.Env = append(cmd.Env, coverEnv()...)
	return cmd
}

// relResult is how one process ended.
type relResult struct {
	code           int
	stdout, stderr string
	maxRSS         int64 // bytes
}

// relRun runs cmd to its end with stdin and returns its status and output.
func relRun(t testing.TB, cmd *exec.Cmd, stdin []byte) relResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := relResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", cmd.Args, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return r
}

// relParsemail feeds one mail (without its mbox From_ line, as an MTA
// delivers it) to a parsemail process.
func relParsemail(t testing.TB, db string, m relMail) relResult {
	t.Helper()
	return relRun(t, relCmd(t, db, "parsemail"), m.body())
}

// relParsearchive loads mbox files in one parsearchive process and fails
// the test unless it succeeds.
func relParsearchive(t testing.TB, db string, paths ...string) relResult {
	t.Helper()
	r := relRun(t, relCmd(t, db, append([]string{"parsearchive"}, paths...)...), nil)
	if r.code != 0 {
		t.Fatalf("parsearchive %v: exit %d\nstdout: %s\nstderr: %s", paths, r.code, r.stdout, relTail(r.stderr))
	}
	return r
}

// relTail keeps the end of a long output for a failure message.
func relTail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// relMail is one message of an mbox, as the file holds it (From_ line
// included).
type relMail struct {
	msgid string
	raw   []byte
}

// body is the message without the From_ line.
func (m relMail) body() []byte {
	if bytes.HasPrefix(m.raw, []byte("From ")) {
		if i := bytes.IndexByte(m.raw, '\n'); i >= 0 {
			return m.raw[i+1:]
		}
	}
	return m.raw
}

var relMsgIDRe = regexp.MustCompile(`(?im)^message-id:\s*(<[^>\r\n]+>)`)

// relCorpus splits the corpus into its mails (with mailin's mbox reader,
// as parsearchive does). The message ids are read with a plain pattern so
// that the bookkeeping of the tests does not depend on the parser under
// test.
func relCorpus(t testing.TB) []relMail {
	t.Helper()
	var out []relMail
	err := mailin.ReadArchive(relCorpusFile(t), func(raw []byte) error {
		m := relMsgIDRe.FindSubmatch(raw)
		if m == nil {
			return fmt.Errorf("mail %d has no Message-Id", len(out)+1)
		}
		out = append(out, relMail{msgid: string(m[1]), raw: bytes.Clone(raw)})
		return nil
	})
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	if len(out) != 2688 {
		t.Fatalf("corpus: %d mails, want 2688", len(out))
	}
	return out
}

// relWriteMbox writes mails as an mbox file in the test's temp dir.
func relWriteMbox(t testing.TB, name string, mails []relMail) string {
	t.Helper()
	var b bytes.Buffer
	for _, m := range mails {
		b.Write(m.raw)
		if !bytes.HasSuffix(m.raw, []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteByte('\n') // the blank line before the next From_
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// relShuffled is a copy of mails in a random order, seeded so that a
// failure can be reproduced (the seed is logged).
func relShuffled(t testing.TB, mails []relMail, seed uint64) []relMail {
	t.Helper()
	t.Logf("shuffle seed %d", seed)
	out := append([]relMail(nil), mails...)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// relNewDB returns the URL of a fresh migrated database of the dialect
// with the corpus's project in it.
func relNewDB(t testing.TB, dialect string) string {
	t.Helper()
	u := sqltest.URL(t, dialect)
	s := relOpen(t, u)
	p := &store.Project{
		LinkName: "test", Name: "Test Project", ListID: relListID,
		ListEmail: "test@example.com", UseTags: true,
	}
	if err := s.CreateProject(context.Background(), p); err != nil {
		t.Fatalf("create project: %v", err)
	}
	return u
}

// relOpen opens a store on u for the test's own reads.
func relOpen(t testing.TB, u string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// relSnap is what a database holds, in words that do not depend on row
// ids or on the order mails arrived in: one line per patch, cover, comment
// and series, each series named by the smallest message id among its
// members. Two databases fed the same mails must give equal snapshots.
type relSnap struct {
	lines  []string // sorted
	counts relCounts
	dups   []string // message ids stored more than once
}

// relSnapshot reads the database at u.
func relSnapshot(t testing.TB, u string) relSnap {
	t.Helper()
	ctx := context.Background()
	db := relOpen(t, u).DB()
	query := func(q string, scan func(func(...any) error) error) {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("snapshot %q: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows.Scan); err != nil {
				t.Fatalf("snapshot scan %q: %v", q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("snapshot %q: %v", q, err)
		}
	}

	type patch struct {
		msgid, hash, name string
		series            int64
		number, state     int
	}
	type series struct {
		id, cover, prev int64
		version, total  int
		name            string
		members         []string
		numbers         map[int]int
	}
	var patches []patch
	query(`SELECT msgid, COALESCE(hash, ''), name, COALESCE(series_id, 0), number, state_id FROM patches`,
		func(scan func(...any) error) error {
			var p patch
			err := scan(&p.msgid, &p.hash, &p.name, &p.series, &p.number, &p.state)
			patches = append(patches, p)
			return err
		})
	type cover struct {
		id, series int64
		msgid      string
	}
	var covers []cover
	query(`SELECT id, msgid, COALESCE(series_id, 0) FROM covers`, func(scan func(...any) error) error {
		var c cover
		err := scan(&c.id, &c.msgid, &c.series)
		covers = append(covers, c)
		return err
	})
	type comment struct{ msgid, parent string }
	var comments []comment
	query(`SELECT c.msgid, COALESCE(p.msgid, v.msgid, '') FROM comments c
		LEFT JOIN patches p ON p.id = c.patch_id LEFT JOIN covers v ON v.id = c.cover_id`,
		func(scan func(...any) error) error {
			var c comment
			err := scan(&c.msgid, &c.parent)
			comments = append(comments, c)
			return err
		})
	sers := map[int64]*series{}
	query(`SELECT id, version, total, COALESCE(cover_id, 0), COALESCE(previous_id, 0), COALESCE(name, '') FROM series`,
		func(scan func(...any) error) error {
			s := &series{numbers: map[int]int{}}
			err := scan(&s.id, &s.version, &s.total, &s.cover, &s.prev, &s.name)
			sers[s.id] = s
			return err
		})

	var snap relSnap
	seen := map[string]int{}
	coverMsgID := map[int64]string{}
	for _, c := range covers {
		coverMsgID[c.id] = c.msgid
		seen[c.msgid]++
		if s := sers[c.series]; s != nil {
			s.members = append(s.members, c.msgid)
		}
	}
	for _, p := range patches {
		seen[p.msgid]++
		if s := sers[p.series]; s != nil {
			s.members = append(s.members, p.msgid)
			s.numbers[p.number]++
		}
	}
	for _, c := range comments {
		seen[c.msgid]++
	}
	key := func(id int64) string {
		s := sers[id]
		if s == nil {
			return "-"
		}
		if len(s.members) == 0 {
			return fmt.Sprintf("(empty series %q v%d)", s.name, s.version)
		}
		return slicesMin(s.members)
	}
	for _, p := range patches {
		snap.lines = append(snap.lines, fmt.Sprintf("patch %s series=%s n=%d hash=%s state=%d name=%q",
			p.msgid, key(p.series), p.number, p.hash, p.state, p.name))
	}
	for _, c := range covers {
		snap.lines = append(snap.lines, fmt.Sprintf("cover %s series=%s", c.msgid, key(c.series)))
	}
	for _, c := range comments {
		snap.lines = append(snap.lines, fmt.Sprintf("comment %s on=%s", c.msgid, c.parent))
	}
	for _, s := range sers {
		complete := len(s.numbers) == s.total
		for n, k := range s.numbers {
			if n < 1 || n > s.total || k != 1 {
				complete = false
			}
		}
		if !complete {
			snap.counts.Incomplete++
		}
		snap.lines = append(snap.lines, fmt.Sprintf("series %s v%d total=%d patches=%d complete=%v cover=%s prev=%s name=%q",
			key(s.id), s.version, s.total, len(s.numbers), complete, coverMsgID[s.cover], key(s.prev), s.name))
	}
	sort.Strings(snap.lines)
	for id, n := range seen {
		if n > 1 {
			snap.dups = append(snap.dups, fmt.Sprintf("%s ×%d", id, n))
		}
	}
	sort.Strings(snap.dups)
	snap.counts.Patches, snap.counts.Covers = len(patches), len(covers)
	snap.counts.Comments, snap.counts.Series = len(comments), len(sers)
	return snap
}

func slicesMin(ss []string) string {
	m := ss[0]
	for _, s := range ss[1:] {
		if s < m {
			m = s
		}
	}
	return m
}

// relSameAs fails the test unless got holds exactly what want holds, with
// no message stored twice and every series complete.
func relSameAs(t testing.TB, what string, got, want relSnap) {
	t.Helper()
	if len(got.dups) > 0 {
		t.Errorf("%s: %d message ids stored more than once, e.g. %v", what, len(got.dups), got.dups[:min(5, len(got.dups))])
	}
	if got.counts != want.counts {
		t.Errorf("%s: counts %+v, want %+v", what, got.counts, want.counts)
	}
	if d := relDiff(got.lines, want.lines); d != "" {
		t.Errorf("%s differs from the clean run (- missing, + extra):\n%s", what, d)
	}
}

// relHeld tells whether a reply is kept in held_mails, waiting for the
// mail it answers.
func relHeld(t testing.TB, db, msgid string) bool {
	t.Helper()
	hs, err := relOpen(t, db).ListHeldMails(context.Background(), 0)
	if err != nil {
		t.Fatalf("held mails: %v", err)
	}
	for _, h := range hs {
		if h.MsgID == msgid {
			return true
		}
	}
	return false
}

// relDiff lists the lines only in want (-) or only in got (+), at most 20.
func relDiff(got, want []string) string {
	in := func(ss []string) map[string]int {
		m := map[string]int{}
		for _, s := range ss {
			m[s]++
		}
		return m
	}
	g, w := in(got), in(want)
	var out []string
	for _, s := range want {
		if g[s] < w[s] {
			out = append(out, "- "+s)
			g[s]++
		}
	}
	g = in(got)
	for _, s := range got {
		if w[s] < g[s] {
			out = append(out, "+ "+s)
			w[s]++
		}
	}
	// Series first: a split series explains the patch lines that follow.
	rank := map[string]int{"series": 0, "patch": 1, "cover": 2, "comment": 3}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i][2:], out[j][2:]
		ka, _, _ := strings.Cut(a, " ")
		kb, _, _ := strings.Cut(b, " ")
		if rank[ka] != rank[kb] {
			return rank[ka] < rank[kb]
		}
		return a < b
	})
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("... and %d more", len(out)-20))
	}
	return strings.Join(out, "\n")
}

// relParallel runs fn(i) for i in [0, n) on at most width goroutines.
func relParallel(n, width int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// relWaitFor polls cond until it holds or the deadline passes.
func relWaitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
