package mailin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

const (
	testLinkName = "test-project"
	testListID   = "test.example.com"
	fuzzListID   = "patchwork.ozlabs.org"
)

// newProject creates the corpus harness's project (upstream defaults:
// tags counted).
func newProject(t testing.TB, s store.Store, linkname, listID string) *store.Project {
	t.Helper()
	p := &store.Project{LinkName: linkname, Name: linkname, ListID: listID,
		ListEmail: linkname + "@example.com", UseTags: true}
	if err := s.CreateProject(context.Background(), p); err != nil {
		t.Fatalf("create project: %v", err)
	}
	return p
}

var resultKinds = map[string]Kind{
	"Patch": StoredPatch, "Cover": StoredCover, "PatchComment": StoredPatchComment,
	"CoverComment": StoredCoverComment, "ignored/None": Dropped, "exception": Rejected,
}

// checker compares what the store holds with observed-upstream.json.
type checker struct {
	t      *testing.T
	s      store.Store
	proj   *store.Project
	key    string
	tags   map[int64]string
	states map[int64]string
}

func newChecker(t *testing.T, s store.Store, proj *store.Project, key string) *checker {
	ctx := context.Background()
	c := &checker{t: t, s: s, proj: proj, key: key, tags: map[int64]string{}, states: map[int64]string{}}
	tags, err := s.ListTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		c.tags[tg.ID] = tg.Name
	}
	states, err := s.ListStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		c.states[st.ID] = st.Name
	}
	return c
}

// lenient: upstream reads raw 8-bit header bytes as U+FFFD, we may decode
// them (spec §18).
func (c *checker) lenient() bool { return c.key == "mail/0014-with-unencoded-utf8-headers.mbox" }

func (c *checker) eq(what string, got, want any) {
	c.t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		c.t.Errorf("%s: %s = %q, want %q", c.key, what, fmt.Sprint(got), fmt.Sprint(want))
	}
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func wantStr(v any) any {
	if v == nil {
		return nil
	}
	return v
}

// stored checks one stored object against its observed record right after
// its mail was ingested.
func (c *checker) stored(res Result, want map[string]any) {
	c.t.Helper()
	ctx := context.Background()
	kind := resultKinds[fmt.Sprint(want["result"])]
	if kind == Dropped && res.Kind == Held {
		// Upstream drops a reply to nothing known; we keep it until its
		// parent arrives (held.go). Neither stores a patch, cover or comment.
		return
	}
	if res.Kind != kind {
		c.t.Errorf("%s %v: kind %v (%s), want %v", c.key, want["msgid"], res.Kind, res.Reason, kind)
		return
	}
	if !kind.Stored() {
		return
	}
	var msgid, date, content string
	var submitter int64
	switch kind {
	case StoredPatch:
		p, err := c.s.GetPatchByMsgID(ctx, c.proj.ID, want["msgid"].(string))
		if err != nil {
			c.t.Fatalf("%s: %v", c.key, err)
		}
		msgid, date, content, submitter = p.MsgID, p.Date.UTC().Format("2006-01-02 15:04:05"), p.Content, p.SubmitterID
		if !c.lenient() {
			c.eq("name", p.Name, want["name"])
		}
		c.eq("number", p.Number, num(want["number"]))
		c.eq("hash", strOrNil(p.Hash), wantStr(want["hash"]))
		c.eq("pull_url", strOrNil(p.PullURL), wantStr(want["pull_url"]))
		c.eq("diff_sha1", strOrNil(map[bool]string{true: sha1hex(p.Diff)}[p.Diff != ""]), wantStr(want["diff_sha1"]))
		if p.Diff != "" {
			c.eq("diff_len", utf8.RuneCountInString(p.Diff), num(want["diff_len"]))
		}
		c.eq("state", c.states[p.StateID], want["state"])
		c.eq("delegate", p.DelegateID, 0)
		counts, err := c.s.GetTagCounts(ctx, p.ID)
		if err != nil {
			c.t.Fatal(err)
		}
		got := map[string]int{}
		for id, n := range counts {
			if n > 0 {
				got[c.tags[id]] = n
			}
		}
		wantTags := map[string]int{}
		for k, v := range want["tags"].(map[string]any) {
			wantTags[k] = num(v)
		}
		c.eq("tags", got, wantTags)
	case StoredCover:
		cv, err := c.s.GetCoverByMsgID(ctx, c.proj.ID, want["msgid"].(string))
		if err != nil {
			c.t.Fatalf("%s: %v", c.key, err)
		}
		msgid, date, content, submitter = cv.MsgID, cv.Date.UTC().Format("2006-01-02 15:04:05"), cv.Content, cv.SubmitterID
		c.eq("name", cv.Name, want["name"])
	default:
		cm, err := c.s.GetComment(ctx, res.CommentID)
		if err != nil {
			c.t.Fatalf("%s: %v", c.key, err)
		}
		msgid, date, content, submitter = cm.MsgID, cm.Date.UTC().Format("2006-01-02 15:04:05"), cm.Content, cm.SubmitterID
		if parent, ok := want["parent"].(string); ok {
			var got string
			if cm.PatchID != 0 {
				p, err := c.s.GetPatch(ctx, cm.PatchID)
				if err != nil {
					c.t.Fatal(err)
				}
				got = "patch:" + p.MsgID
			} else {
				cv, err := c.s.GetCover(ctx, cm.CoverID)
				if err != nil {
					c.t.Fatal(err)
				}
				got = "cover:" + cv.MsgID
			}
			c.eq("parent", got, parent)
		}
	}
	c.eq("msgid", msgid, want["msgid"])
	if d, ok := want["date"].(string); ok {
		c.eq("date", date, d)
	}
	c.eq("content_sha1", sha1hex(content), want["content_sha1"])
	c.eq("content_len", utf8.RuneCountInString(content), num(want["content_len"]))
	person, err := c.s.GetPerson(ctx, submitter)
	if err != nil {
		c.t.Fatal(err)
	}
	c.eq("submitter_email", person.Email, want["submitter_email"])
	if !c.lenient() {
		// Upstream stores a missing name as NULL, we as "".
		c.eq("submitter_name", strOrNil(person.Name), wantStr(want["submitter_name"]))
	}
}

// seriesLabels maps our series ids to the observed labels (S1... by date).
func (c *checker) seriesLabels() ([]store.Series, map[int64]string) {
	series, err := c.s.ListSeries(context.Background(), store.SeriesQuery{ProjectID: c.proj.ID, Order: "date"})
	if err != nil {
		c.t.Fatal(err)
	}
	labels := map[int64]string{}
	for k, x := range series {
		labels[x.ID] = fmt.Sprintf("S%d", k+1)
	}
	return series, labels
}

// series compares the partition into series at the end of a file.
func (c *checker) series(want []any) {
	c.t.Helper()
	ctx := context.Background()
	got, _ := c.seriesLabels()
	if len(got) != len(want) {
		c.t.Errorf("%s: %d series, want %d", c.key, len(got), len(want))
		return
	}
	for k, w := range want {
		ws := w.(map[string]any)
		g := got[k]
		label := ws["label"]
		if ws["name"] == nil {
			c.eq(fmt.Sprint(label, " name"), strOrNil(g.Name), nil)
		} else if !c.lenient() {
			c.eq(fmt.Sprint(label, " name"), g.Name, ws["name"])
		}
		c.eq(fmt.Sprint(label, " version"), g.Version, num(ws["version"]))
		c.eq(fmt.Sprint(label, " total"), g.Total, num(ws["total"]))
		c.eq(fmt.Sprint(label, " received_total"), g.ReceivedTotal, num(ws["received_total"]))
		c.eq(fmt.Sprint(label, " received_all"), g.ReceivedAll(), ws["received_all"])
		rows, err := c.s.SeriesPatches(ctx, g.ID)
		if err != nil {
			c.t.Fatal(err)
		}
		var cover string
		if g.CoverID != 0 {
			cv, err := c.s.GetCover(ctx, g.CoverID)
			if err != nil {
				c.t.Fatal(err)
			}
			cover = cv.MsgID
		}
		if hc, ok := ws["has_cover"]; ok {
			c.eq(fmt.Sprint(label, " has_cover"), cover != "", hc)
			var nums []string
			for _, r := range rows {
				nums = append(nums, fmt.Sprint(r.Number))
			}
			var wn []string
			for _, n := range ws["numbers"].([]any) {
				wn = append(wn, fmt.Sprint(num(n)))
			}
			c.eq(fmt.Sprint(label, " numbers"), strings.Join(nums, ","), strings.Join(wn, ","))
			continue
		}
		c.eq(fmt.Sprint(label, " cover"), strOrNil(cover), wantStr(ws["cover_msgid"]))
		var ps, wp []string
		for _, r := range rows {
			ps = append(ps, fmt.Sprint(r.Number, " ", r.MsgID))
		}
		for _, p := range ws["patches"].([]any) {
			pm := p.(map[string]any)
			wp = append(wp, fmt.Sprint(num(pm["number"]), " ", pm["msgid"]))
		}
		sort.Strings(ps)
		sort.Strings(wp)
		c.eq(fmt.Sprint(label, " patches"), strings.Join(ps, "; "), strings.Join(wp, "; "))
	}
}

// msgSeries checks the series label of a stored patch or cover.
func (c *checker) msgSeries(res Result, want map[string]any) {
	c.t.Helper()
	label, ok := want["series"].(string)
	if !ok || !res.Kind.Stored() {
		return
	}
	ctx := context.Background()
	var sid int64
	switch res.Kind {
	case StoredPatch:
		p, err := c.s.GetPatch(ctx, res.PatchID)
		if err != nil {
			c.t.Fatal(err)
		}
		sid = p.SeriesID
	case StoredCover:
		cv, err := c.s.GetCover(ctx, res.CoverID)
		if err != nil {
			c.t.Fatal(err)
		}
		sid = cv.SeriesID
		if sid == 0 {
			return // a second cover of a series is stored unattached
		}
	default:
		return
	}
	_, labels := c.seriesLabels()
	c.eq(fmt.Sprint(want["msgid"], " series"), labels[sid], label)
}

// serverSeries are the series files also run on PostgreSQL and MariaDB
// (each needs a database of its own: cover names are looked up across
// projects). Together they take every grouping path: threading in and out
// of order, markers without references, revisions, resends, comments.
var serverSeries = map[string]bool{
	"series/base-out-of-order.mbox":           true,
	"series/base-no-references-no-cover.mbox": true,
	"series/bugs-multiple-content-types.mbox": true,
	"series/bugs-spamming.mbox":               true,
	"series/bugs-unnumbered.mbox":             true,
	"series/revision-threaded-to-patch.mbox":  true,
	"series/revision-out-of-order.mbox":       true,
	"series/mercurial-cover-letter.mbox":      true,
}

// TestCorpusIngest feeds every corpus file into a fresh SQLite database and
// compares everything observed-upstream.json records. On PostgreSQL and
// MariaDB the single mails share one database (a project per file, which
// keeps the run short) and a selection of series files gets its own.
func TestCorpusIngest(t *testing.T) {
	obs := observed(t)
	var keys []string
	for k := range obs {
		if strings.HasPrefix(k, "mail/") || strings.HasPrefix(k, "fuzz/") || strings.HasPrefix(k, "series/") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) < 70 {
		t.Fatalf("only %d corpus entries", len(keys))
	}
	sqltest.Each(t, func(t *testing.T, shared store.Store) {
		dialect := t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]
		for n, key := range keys {
			isSeries := strings.HasPrefix(key, "series/")
			if dialect != "sqlite" && isSeries && !serverSeries[key] {
				continue
			}
			t.Run(key, func(t *testing.T) {
				s, linkname := shared, fmt.Sprintf("corpus-%d", n)
				if dialect == "sqlite" || isSeries {
					s, linkname = sqltest.Open(t, dialect), testLinkName
				}
				listID := linkname + "." + testListID
				proj := newProject(t, s, linkname, listID)
				ingestCorpusFile(t, s, proj, key, obs[key], listID)
			})
		}
	})
}

func ingestCorpusFile(t *testing.T, s store.Store, proj *store.Project, key string, want map[string]any, listID string) {
	ctx := context.Background()
	ing := NewIngester(s, nil)
	c := newChecker(t, s, proj, key)
	if !strings.HasPrefix(key, "series/") {
		res, err := ing.Ingest(ctx, harnessMail(t, key), listID)
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		pm := want["parse_mail"].(map[string]any)
		c.stored(res, pm)
		c.msgSeries(res, pm)
		if ws, ok := want["series"].([]any); ok {
			c.series(ws)
		}
		return
	}
	var msgs []map[string]any
	for _, m := range want["messages_in_file_order"].([]any) {
		msgs = append(msgs, m.(map[string]any))
	}
	counts := [3]int{}
	var results []Result
	err := ReadArchive(filepath.Join(upstreamDir(t), key), func(raw []byte) error {
		res, err := ing.Ingest(ctx, raw, listID)
		if err != nil {
			return err
		}
		switch res.Kind {
		case StoredCover:
			counts[0]++
		case StoredPatch:
			counts[1]++
		case StoredPatchComment, StoredCoverComment:
			counts[2]++
		}
		if k := len(results); k < len(msgs) {
			c.stored(res, msgs[k])
		}
		results = append(results, res)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.eq("messages", len(results), len(msgs))
	// Labels follow series dates, known only at the end.
	for k := range min(len(results), len(msgs)) {
		c.msgSeries(results[k], msgs[k])
	}
	var wc []int
	for _, n := range want["counts_cover_patch_other"].([]any) {
		wc = append(wc, num(n))
	}
	c.eq("[covers patches other]", counts[:], wc)
	c.series(want["series"].([]any))
}

// TestCorpusIngestTwice: feeding a file again changes nothing and reports
// duplicates.
func TestCorpusIngestTwice(t *testing.T) {
	dir := upstreamDir(t)
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		path := filepath.Join(dir, "series", "base-cover-letter.mbox")
		var first, second []Kind
		for _, into := range []*[]Kind{&first, &second} {
			if err := ReadArchive(path, func(raw []byte) error {
				res, err := ing.Ingest(ctx, raw, testListID)
				*into = append(*into, res.Kind)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(first) != "[cover patch patch]" || fmt.Sprint(second) != "[duplicate duplicate duplicate]" {
			t.Fatalf("first %v, second %v", first, second)
		}
		series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
		if err != nil || len(series) != 1 || series[0].ReceivedTotal != 2 {
			t.Fatalf("series %+v, %v", series, err)
		}
	})
}

func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(upstreamDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
