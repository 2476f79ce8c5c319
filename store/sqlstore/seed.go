package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// SeedOptions shapes a synthetic project for benchmarks and load tests.
type SeedOptions struct {
	LinkName   string // project to create (must not exist)
	Patches    int
	People     int     // distinct submitters (default 1000)
	Archived   float64 // share of archived patches (default 0.3)
	SeriesSize int     // patches per series (default 5)
	Start      time.Time
	Seed       uint64 // random seed, for repeatable data
}

// SeedResult says what Seed made.
type SeedResult struct {
	Project  *store.Project
	People   []int64
	Hashes   []string // a sample of patch hashes, for look-up benchmarks
	Duration time.Duration
}

// Seed fills a new project with synthetic patches through multi-row INSERTs
// in large transactions: the store's one-row write path would take hours
// for a million patches, and a benchmark must be rerunnable in minutes.
// The rows look like ingested mail (states spread like a real list's:
// mostly accepted, superseded or new; a share archived; series of
// SeriesSize patches; one Acked-by in three).
func (s *Store) Seed(ctx context.Context, o SeedOptions) (*SeedResult, error) {
	begin := time.Now()
	if o.People == 0 {
		o.People = 1000
	}
	if o.Archived == 0 {
		o.Archived = 0.3
	}
	if o.SeriesSize == 0 {
		o.SeriesSize = 5
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	proj := &store.Project{LinkName: o.LinkName, Name: o.LinkName, ListID: o.LinkName + ".lists.example.org",
		ListEmail: o.LinkName + "@lists.example.org", UseTags: true}
	if err := s.CreateProject(ctx, proj); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	states, err := s.states(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	tags, err := s.ListTags(ctx)
	if err != nil || len(tags) == 0 {
		return nil, fmt.Errorf("seed: tags: %v", err)
	}
	// Weights per state ordering: New, Under Review, Accepted, Rejected, RFC,
	// Not Applicable, Changes Requested, Awaiting Upstream, Superseded, Deferred.
	weights := []int{15, 3, 35, 4, 2, 3, 8, 1, 27, 2}
	var pick []int64
	for i, st := range states {
		w := 1
		if i < len(weights) {
			w = weights[i]
		}
		for range w {
			pick = append(pick, st.ID)
		}
	}
	res := &SeedResult{Project: proj}
	for i := range o.People {
		p, err := s.UpsertPerson(ctx, fmt.Sprintf("dev%d@%s.example.org", i, o.LinkName), fmt.Sprintf("Developer %d", i), false)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		res.People = append(res.People, p.ID)
	}

	const batch = 400 // 17 columns: under every driver's parameter limit
	step := 10 * time.Minute
	if o.Patches > 0 {
		// Spread the patches over about 15 years whatever their number.
		step = max(time.Second, time.Duration(int64(15*365*24*time.Hour)/int64(o.Patches)))
	}
	for done := 0; done < o.Patches; {
		err := s.inTx(ctx, func(tx *Store) error {
			// Several batches per transaction: fewer commits, bounded size.
			for k := 0; k < 25 && done < o.Patches; k++ {
				n := min(batch, o.Patches-done)
				if err := tx.seedBatch(ctx, o, rng, proj.ID, res, pick, tags[0].ID, done, n, step); err != nil {
					return err
				}
				done += n
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seed patches at %d: %w", done, err)
		}
	}
	res.Duration = time.Since(begin)
	return res, nil
}

func (s *Store) seedBatch(ctx context.Context, o SeedOptions, rng *rand.Rand, projectID int64, res *SeedResult,
	pick []int64, ackTag int64, from, n int, step time.Duration) error {
	// One series row per SeriesSize patches; patches of a series share it.
	firstSeries := from / o.SeriesSize
	lastSeries := (from + n - 1) / o.SeriesSize
	seriesIDs := map[int]int64{}
	for k := firstSeries; k <= lastSeries; k++ {
		if k*o.SeriesSize < from {
			// Begun in the previous batch: find it by its reference.
			x, err := s.SeriesByReference(ctx, projectID, fmt.Sprintf("<seed-series-%d@%d>", k, projectID))
			if err != nil {
				return err
			}
			seriesIDs[k] = x.ID
			continue
		}
		sub := res.People[rng.IntN(len(res.People))]
		x := &store.Series{ProjectID: projectID, Name: fmt.Sprintf("subsystem %d: rework part %d", k%97, k),
			Date: o.Start.Add(time.Duration(k*o.SeriesSize) * step), SubmitterID: sub, Version: 1 + k%3, Total: o.SeriesSize}
		if err := s.CreateSeries(ctx, x); err != nil {
			return err
		}
		if _, err := s.AddSeriesReference(ctx, projectID, x.ID, fmt.Sprintf("<seed-series-%d@%d>", k, projectID)); err != nil {
			return err
		}
		seriesIDs[k] = x.ID
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO patches (project_id, msgid, name, msg_date, submitter_id, headers, content, diff,
		pull_url, hash, state_id, archived, delegate_id, commit_ref, series_id, number, related_id) VALUES `)
	args := make([]any, 0, n*17)
	for i := range n {
		idx := from + i
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, NULL, ?, ?, NULL)")
		hash := fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), uint32(idx))
		if idx%1000 == 0 {
			res.Hashes = append(res.Hashes, hash)
		}
		sub := res.People[rng.IntN(len(res.People))]
		k := idx / o.SeriesSize
		args = append(args, projectID, fmt.Sprintf("<seed-%d@%d.example.org>", idx, projectID),
			fmt.Sprintf("[PATCH v%d %d/%d] subsystem %d: fix handling of case %d", 1+k%3, idx%o.SeriesSize+1, o.SeriesSize, k%97, idx),
			o.Start.Add(time.Duration(idx)*step), sub, "Subject: seeded\n", "Signed-off-by: Developer\n",
			"--- a/lib/file.c\n+++ b/lib/file.c\n@@ -1 +1 @@\n-old\n+new\n", hash,
			pick[rng.IntN(len(pick))], rng.Float64() < o.Archived, seriesIDs[k], idx%o.SeriesSize+1)
	}
	if _, err := s.exec(ctx, b.String(), args...); err != nil {
		return err
	}
	// One Acked-by in three: tag rows for the batch in one statement.
	var ids []int64
	rows, err := s.query(ctx, "SELECT id FROM patches WHERE project_id = ? AND msg_date >= ? AND msg_date <= ?",
		projectID, o.Start.Add(time.Duration(from)*step), o.Start.Add(time.Duration(from+n-1)*step))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if id%3 == 0 {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if len(ids) == 0 {
		return nil
	}
	b.Reset()
	b.WriteString("INSERT INTO patch_tags (patch_id, tag_id, num) VALUES ")
	targs := make([]any, 0, len(ids)*3)
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, 1)")
		targs = append(targs, id, ackTag)
	}
	_, err = s.exec(ctx, b.String(), targs...)
	return err
}

// Analyze refreshes the planner's statistics, as autovacuum (PostgreSQL),
// InnoDB's automatic statistics (MySQL) or PRAGMA optimize (SQLite) would
// after a large import; benchmarks call it after seeding so that they measure
// the plans a running site gets.
func (s *Store) Analyze(ctx context.Context) error {
	var stmts []string
	switch s.d.name {
	case "postgres":
		stmts = []string{"VACUUM ANALYZE"}
	case "mysql":
		stmts = []string{"ANALYZE TABLE patches, series, people, users, patch_tags, checks"}
	default:
		stmts = []string{"PRAGMA optimize=0x10002"}
	}
	for _, q := range stmts {
		rows, err := s.wdb.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("analyze: %w", mapErr(err))
		}
		rows.Close()
	}
	return nil
}
