package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// seriesCols reads a series with its computed members: ReceivedTotal is
// counted from the patches (index patches_series), NextID is the series
// naming this one as previous.
const seriesCols = `s.id, s.project_id, s.name, s.msg_date, s.submitter_id, s.version, s.total, s.cover_id,
	s.previous_id, (SELECT COUNT(*) FROM patches pc WHERE pc.series_id = s.id),
	(SELECT MIN(n.id) FROM series n WHERE n.previous_id = s.id)`

func scanSeries(r rowScanner, lead ...any) (store.Series, error) {
	var x store.Series
	err := r.Scan(append(lead, &x.ID, &x.ProjectID, nullStr{&x.Name}, timeCol{&x.Date}, &x.SubmitterID, &x.Version,
		&x.Total, nullInt64{&x.CoverID}, nullInt64{&x.PreviousID}, &x.ReceivedTotal, nullInt64{&x.NextID})...)
	return x, err
}

func scanSeriesRows(r *sql.Rows) (store.Series, error) { return scanSeries(r) }

// CreateSeries inserts a series and sets its id.
func (s *Store) CreateSeries(ctx context.Context, x *store.Series) error {
	if x.Date.IsZero() {
		x.Date = time.Now()
	}
	x.Date = x.Date.UTC().Truncate(time.Microsecond)
	if x.Version == 0 {
		x.Version = 1
	}
	id, err := s.insert(ctx, `INSERT INTO series (project_id, name, msg_date, submitter_id, version, total, cover_id, previous_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, x.ProjectID, nullString(x.Name), x.Date, x.SubmitterID, x.Version, x.Total,
		nullID(x.CoverID), nullID(x.PreviousID))
	if err != nil {
		return fmt.Errorf("create series: %w", err)
	}
	x.ID = id
	return nil
}

// UpdateSeries writes name, version, total, cover and previous.
func (s *Store) UpdateSeries(ctx context.Context, x *store.Series) error {
	if x.PreviousID != 0 && x.PreviousID == x.ID {
		return fmt.Errorf("update series %d: a series cannot precede itself: %w", x.ID, store.ErrInvalid)
	}
	const q = "UPDATE series SET name = ?, version = ?, total = ?, cover_id = ?, previous_id = ? WHERE id = ?"
	args := []any{nullString(x.Name), x.Version, x.Total, nullID(x.CoverID), nullID(x.PreviousID), x.ID}
	if s.pend != nil {
		// Only mail in defers, and it updates series it read or made
		// under the project's lock: the row exists.
		s.execLater(q, args...)
		return nil
	}
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update series %d: %w", x.ID, err)
	}
	return s.mustExist(ctx, res, "series", x.ID, "update series")
}

// GetSeries returns a series by id.
func (s *Store) GetSeries(ctx context.Context, id int64) (*store.Series, error) {
	x, err := scanSeries(s.queryRow(ctx, "SELECT "+seriesCols+" FROM series s WHERE s.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get series %d: %w", id, mapErr(err))
	}
	return &x, nil
}

// GetSeriesByIDs fetches many series in one query per 500 ids.
func (s *Store) GetSeriesByIDs(ctx context.Context, ids []int64) (map[int64]store.Series, error) {
	out := make(map[int64]store.Series, len(ids))
	for _, chunk := range chunks(uniq(ids), 500) {
		in, inArgs := inList(s.d, "s.id", chunk)
		rows, err := collect(ctx, s, scanSeriesRows, "SELECT "+seriesCols+" FROM series s WHERE "+in, inArgs...)
		if err != nil {
			return nil, fmt.Errorf("get series: %w", err)
		}
		for _, x := range rows {
			out[x.ID] = x
		}
	}
	return out, nil
}

// seriesWhere renders the conditions of a series query.
func seriesWhere(q store.SeriesQuery) ([]string, []any) {
	var where []string
	var args []any
	if q.ProjectID != 0 {
		where, args = append(where, "s.project_id = ?"), append(args, q.ProjectID)
	}
	where, args = anyOf(where, args, "s.project_id", q.ProjectIDs)
	where, args = anyOf(where, args, "s.submitter_id", q.SubmitterID)
	if !q.Since.IsZero() {
		where, args = append(where, "s.msg_date >= ?"), append(args, q.Since)
	}
	if !q.Before.IsZero() {
		where, args = append(where, "s.msg_date < ?"), append(args, q.Before)
	}
	where, args = allContained(where, args, "s.name", q.NameLike, q.NameTerms)
	for _, n := range q.NotNames {
		where, args = append(where, "NOT ("+contains("COALESCE(s.name, '')")+")"), append(args, containsArg(n))
	}
	if len(q.SubmitterText) > 0 {
		var parts []string
		for _, t := range q.SubmitterText {
			parts = append(parts, contains("name")+" OR "+contains("email"))
			args = append(args, containsArg(t), containsArg(t))
		}
		where = append(where, "s.submitter_id IN (SELECT id FROM people WHERE "+strings.Join(parts, " OR ")+")")
	}
	return where, args
}

// CountSeries counts what ListSeries would return without paging.
func (s *Store) CountSeries(ctx context.Context, q store.SeriesQuery) (int, error) {
	where, args := seriesWhere(q)
	var n int
	if err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM series s"+whereSQL(where), args...), &n); err != nil {
		return 0, fmt.Errorf("count series: %w", err)
	}
	return n, nil
}

// ListSeries selects series.
func (s *Store) ListSeries(ctx context.Context, q store.SeriesQuery) ([]store.Series, error) {
	where, args := seriesWhere(q)
	cols := map[string]string{
		"id": "s.id", "name": "COALESCE(s.name, '')", "date": "s.msg_date", "submitter": "s.submitter_id",
		"received_all": "CASE WHEN s.total <= (SELECT COUNT(*) FROM patches pc WHERE pc.series_id = s.id) THEN 1 ELSE 0 END",
	}
	query := "SELECT " + seriesCols + " FROM series s" + whereSQL(where) + orderBy(q.Order, cols, "id", "s.id") + s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanSeriesRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	return out, nil
}

// SeriesNamesOf lists the submitters' series in the project: id and name.
func (s *Store) SeriesNamesOf(ctx context.Context, projectID int64, submitterIDs []int64) ([]store.SeriesName, error) {
	var out []store.SeriesName
	var qs []readQuery
	for _, chunk := range chunks(uniq(submitterIDs), 500) {
		in, inArgs := inList(s.d, "submitter_id", chunk)
		qs = append(qs, seriesNamesRead(projectID, in, inArgs, &out))
	}
	if err := s.readMany(ctx, qs); err != nil {
		return nil, fmt.Errorf("series names: %w", err)
	}
	return out, nil
}

// seriesNamesRead reads the names of the project's series whose
// submitter matches in, appending them to out.
func seriesNamesRead(projectID int64, in string, inArgs []any, out *[]store.SeriesName) readQuery {
	return readQuery{
		q:    "SELECT id, submitter_id, name FROM series WHERE project_id = ? AND " + in,
		args: append([]any{projectID}, inArgs...),
		scan: func(r rowScanner) error {
			var n store.SeriesName
			if err := r.Scan(&n.ID, &n.SubmitterID, nullStr{&n.Name}); err != nil {
				return err
			}
			*out = append(*out, n)
			return nil
		},
	}
}

// SeriesPatches returns the series' rows by number, date, id.
func (s *Store) SeriesPatches(ctx context.Context, seriesID int64) ([]store.PatchRow, error) {
	rows, err := collect(ctx, s, scanPatchRow, patchRowSelect+" WHERE p.series_id = ? ORDER BY p.number, p.msg_date, p.id", seriesID)
	if err != nil {
		return nil, fmt.Errorf("series %d patches: %w", seriesID, err)
	}
	if err := s.fillRows(ctx, rows, true, true); err != nil {
		return nil, fmt.Errorf("series %d patches: %w", seriesID, err)
	}
	return rows, nil
}

// SeriesNumbers returns the patch numbers present in the series, ascending.
func (s *Store) SeriesNumbers(ctx context.Context, seriesID int64) ([]int, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (int, error) {
		var n int
		err := r.Scan(&n)
		return n, err
	}, "SELECT DISTINCT number FROM patches WHERE series_id = ? ORDER BY number", seriesID)
	if err != nil {
		return nil, fmt.Errorf("series %d numbers: %w", seriesID, err)
	}
	return out, nil
}

// AddSeriesReference records msgid → series unless that series has it.
func (s *Store) AddSeriesReference(ctx context.Context, projectID, seriesID int64, msgid string) (bool, error) {
	res, err := s.exec(ctx, "INSERT INTO series_references (project_id, series_id, msgid) VALUES (?, ?, ?)"+
		s.d.onConflict("project_id, msgid, series_id"), projectID, seriesID, msgid)
	if err != nil {
		return false, fmt.Errorf("add series reference %s: %w", msgid, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add series reference %s: %w", msgid, mapErr(err))
	}
	return n > 0, nil
}

// SeriesByReference finds the series that recorded a message id first.
func (s *Store) SeriesByReference(ctx context.Context, projectID int64, msgid string) (*store.Series, error) {
	x, err := scanSeries(s.queryRow(ctx, "SELECT "+seriesCols+
		" FROM series s JOIN series_references r ON r.series_id = s.id WHERE r.project_id = ? AND r.msgid = ? ORDER BY r.id LIMIT 1", projectID, msgid))
	if err != nil {
		return nil, fmt.Errorf("series by reference %s: %w", msgid, mapErr(err))
	}
	return &x, nil
}

// SeriesByMarkers lists matching series dated within [from, to], newest first.
func (s *Store) SeriesByMarkers(ctx context.Context, projectID, submitterID int64, version, total int, from, to time.Time) ([]store.Series, error) {
	out, err := collect(ctx, s, scanSeriesRows, "SELECT "+seriesCols+` FROM series s
		WHERE s.project_id = ? AND s.submitter_id = ? AND s.version = ? AND s.total = ?
		AND s.msg_date >= ? AND s.msg_date <= ? ORDER BY s.msg_date DESC, s.id DESC`,
		projectID, submitterID, version, total, from, to)
	if err != nil {
		return nil, fmt.Errorf("series by markers: %w", err)
	}
	return out, nil
}

// AddSeriesDependency records that seriesID depends on dependsOnID (idempotent).
func (s *Store) AddSeriesDependency(ctx context.Context, seriesID, dependsOnID int64) error {
	if seriesID == dependsOnID {
		return fmt.Errorf("series %d cannot depend on itself: %w", seriesID, store.ErrInvalid)
	}
	_, err := s.exec(ctx, "INSERT INTO series_dependencies (series_id, depends_on_id) VALUES (?, ?)"+
		s.d.onConflict("series_id, depends_on_id"), seriesID, dependsOnID)
	if err != nil {
		return fmt.Errorf("add series dependency %d → %d: %w", seriesID, dependsOnID, err)
	}
	return nil
}

// SeriesDependencies lists what the series depends on.
func (s *Store) SeriesDependencies(ctx context.Context, seriesID int64) ([]int64, error) {
	out, err := collect(ctx, s, scanInt64, "SELECT depends_on_id FROM series_dependencies WHERE series_id = ? ORDER BY depends_on_id", seriesID)
	if err != nil {
		return nil, fmt.Errorf("series %d dependencies: %w", seriesID, err)
	}
	return out, nil
}

// SeriesDependents lists the series depending on this one.
func (s *Store) SeriesDependents(ctx context.Context, seriesID int64) ([]int64, error) {
	out, err := collect(ctx, s, scanInt64, "SELECT series_id FROM series_dependencies WHERE depends_on_id = ? ORDER BY series_id", seriesID)
	if err != nil {
		return nil, fmt.Errorf("series %d dependents: %w", seriesID, err)
	}
	return out, nil
}

// SeriesVersions returns the version chain the series is part of, oldest
// first. Cycles (a broken chain) are cut.
func (s *Store) SeriesVersions(ctx context.Context, seriesID int64) ([]store.Series, error) {
	x, err := s.GetSeries(ctx, seriesID)
	if err != nil {
		return nil, fmt.Errorf("series %d versions: %w", seriesID, err)
	}
	seen := map[int64]bool{x.ID: true}
	chain := []store.Series{*x}
	for cur := *x; cur.PreviousID != 0 && !seen[cur.PreviousID] && len(chain) < 1000; {
		prev, err := s.GetSeries(ctx, cur.PreviousID)
		if err != nil {
			return nil, fmt.Errorf("series %d versions: %w", seriesID, err)
		}
		seen[prev.ID] = true
		chain = append([]store.Series{*prev}, chain...)
		cur = *prev
	}
	for cur := *x; cur.NextID != 0 && !seen[cur.NextID] && len(chain) < 1000; {
		next, err := s.GetSeries(ctx, cur.NextID)
		if err != nil {
			return nil, fmt.Errorf("series %d versions: %w", seriesID, err)
		}
		seen[next.ID] = true
		chain = append(chain, *next)
		cur = *next
	}
	return chain, nil
}

// AddSeriesReferences records (series, id) pairs in the order given, a
// hundred per statement; pairs already recorded are skipped.
func (s *Store) AddSeriesReferences(ctx context.Context, projectID int64, refs []store.SeriesRef) error {
	for _, chunk := range chunks(uniq(refs), 100) {
		args := make([]any, 0, 3*len(chunk))
		for _, r := range chunk {
			args = append(args, projectID, r.SeriesID, r.MsgID)
		}
		if err := s.execWrite(ctx, "INSERT INTO series_references (project_id, series_id, msgid) VALUES "+
			valuesRows(len(chunk), 3)+s.d.onConflict("project_id, msgid, series_id"), args...); err != nil {
			return fmt.Errorf("add series references of series %d: %w", chunk[0].SeriesID, err)
		}
	}
	return nil
}

// SeriesRefsIn lists, per id, the ids of the series that recorded it in
// the order they recorded it: one query per 200 ids, no series read.
func (s *Store) SeriesRefsIn(ctx context.Context, projectID int64, msgids []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	if err := s.readMany(ctx, s.refsReads(projectID, msgids, out)); err != nil {
		return nil, fmt.Errorf("series references: %w", err)
	}
	return out, nil
}

// refsReads are SeriesRefsIn's reads, filling out.
func (s *Store) refsReads(projectID int64, msgids []string, out map[string][]int64) []readQuery {
	var qs []readQuery
	for _, chunk := range chunks(uniq(msgids), 200) {
		in, inArgs := inList(s.d, "r.msgid", chunk)
		qs = append(qs, readQuery{
			q:    "SELECT r.msgid, r.series_id FROM series_references r WHERE r.project_id = ? AND " + in + " ORDER BY r.id",
			args: append([]any{projectID}, inArgs...),
			scan: func(r rowScanner) error {
				var id string
				var sid int64
				if err := r.Scan(&id, &sid); err != nil {
					return err
				}
				out[id] = append(out[id], sid)
				return nil
			},
		})
	}
	return qs
}
