// Package upstream moves an upstream Patchwork (Django) instance into ours:
// it reads Django's tables (patchwork_*, auth_user, authtoken_token) from
// SQLite, PostgreSQL or MySQL and writes them into an empty patchwork-go
// database, keeping upstream's ids wherever a URL or a client sees them.
package upstream

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// Options tune an import.
type Options struct {
	// SkipBad leaves out rows with bad data (reported) instead of
	// stopping before anything is written.
	SkipBad bool
	// Resume continues an import that stopped part way (a crash): each
	// kind goes on after the highest id already written.
	Resume bool
	// Batch is the number of rows written per transaction (default 2000).
	Batch int
	// Now stamps rows upstream has no time for (patch relations nobody
	// logged); time.Now when nil.
	Now func() time.Time
}

// Count is what happened to one kind of row.
type Count struct {
	Kind                   string
	Read, Written, Skipped int
}

// Bad is a row with data we cannot take as it is.
type Bad struct {
	Table  string
	ID     int64
	Reason string
}

func (b Bad) String() string { return fmt.Sprintf("%s %d: %s", b.Table, b.ID, b.Reason) }

// Report is the outcome of an import.
type Report struct {
	Counts []Count
	Bad    []Bad
}

// ErrNotEmpty is returned when the target holds data and Resume is off.
var ErrNotEmpty = errors.New("the target database is not empty")

// BadDataError stops an import (without SkipBad) before anything is
// written.
type BadDataError struct{ Bad []Bad }

func (e *BadDataError) Error() string {
	msg := fmt.Sprintf("%d rows with bad data (nothing imported; --skip-bad leaves them out)", len(e.Bad))
	for i, b := range e.Bad {
		if i == 20 {
			msg += fmt.Sprintf("\n  ... and %d more", len(e.Bad)-i)
			break
		}
		msg += "\n  " + b.String()
	}
	return msg
}

// WriteTable prints the counts as a table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tread\twritten\tskipped\t")
	for _, c := range r.Counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", c.Kind, c.Read, c.Written, c.Skipped)
	}
	return tw.Flush()
}

type importer struct {
	src  source
	dst  *sqlstore.Store
	opt  Options
	rep  *Report
	kind map[string]int // index in rep.Counts

	users, projects, states, tags, people, relations      idSet
	covers, series, patches, patchComments, coverComments idSet
	checks, bundles                                       idSet
	skipped                                               map[string]idSet
	personAlias                                           map[int64]int64
	noPassword                                            map[int64]bool
	coverSeries                                           map[int64]int64
	relationDates                                         map[int64]time.Time
	commentOffset                                         int64

	// mu guards rep.Counts and kind: a batch is read while the one
	// before it is written.
	mu sync.Mutex
}

// Import copies the upstream database src (of dialect "sqlite",
// "postgres" or "mysql") into dst, which must be empty unless
// opt.Resume. The report counts rows per kind; bad rows stop it with a
// *BadDataError before anything is written, or are left out with
// opt.SkipBad.
func Import(ctx context.Context, src *sql.DB, dialect string, dst *sqlstore.Store, opt Options) (*Report, error) {
	if opt.Batch <= 0 {
		opt.Batch = 2000
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	im := &importer{
		src: source{db: src, dialect: dialect}, dst: dst, opt: opt, rep: &Report{}, kind: map[string]int{},
		users: idSet{}, projects: idSet{}, states: idSet{}, tags: idSet{}, people: idSet{}, relations: idSet{},
		covers: idSet{}, series: idSet{}, patches: idSet{}, patchComments: idSet{}, coverComments: idSet{},
		checks: idSet{}, bundles: idSet{}, skipped: map[string]idSet{}, personAlias: map[int64]int64{},
		noPassword: map[int64]bool{}, coverSeries: map[int64]int64{}, relationDates: map[int64]time.Time{},
	}
	empty, err := dst.ImportTargetEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty && !opt.Resume {
		return nil, fmt.Errorf("import: %w (use --resume to continue an import that stopped)", ErrNotEmpty)
	}
	if err := im.check(ctx); err != nil {
		return nil, err
	}
	if len(im.rep.Bad) > 0 && !opt.SkipBad {
		return im.rep, &BadDataError{Bad: im.rep.Bad}
	}
	if err := im.write(ctx, !empty); err != nil {
		return im.rep, err
	}
	if err := dst.ImportFinish(ctx); err != nil {
		return im.rep, fmt.Errorf("import: %w", err)
	}
	return im.rep, nil
}

// count returns the counter of a kind (kinds listed as they first
// appear); the pointer is good until the next call.
func (im *importer) count(kind string) *Count {
	if i, ok := im.kind[kind]; ok {
		return &im.rep.Counts[i]
	}
	im.rep.Counts = append(im.rep.Counts, Count{Kind: kind})
	im.kind[kind] = len(im.rep.Counts) - 1
	return &im.rep.Counts[len(im.rep.Counts)-1]
}

// seen counts a row read from table; it reports whether to write it.
func (im *importer) seen(kind, table string, id int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	c := im.count(kind)
	c.Read++
	if im.skipped[table][id] {
		c.Skipped++
		return false
	}
	return true
}

func (im *importer) wrote(kind string, n int) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.count(kind).Written += n
}
