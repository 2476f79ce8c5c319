package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// patchRowSelect reads list rows with their submitter, delegate and series
// in one query (no N+1); tags and checks come in one batched query each.
const patchRowSelect = `SELECT p.id, p.project_id, p.msgid, p.name, p.msg_date, p.hash, p.pull_url,
	p.commit_ref, p.state_id, p.archived, p.submitter_id, pe.name, pe.email, pe.user_id,
	p.delegate_id, du.username, p.series_id, se.name, se.version, se.total, p.number, p.related_id
	FROM patches p
	JOIN people pe ON pe.id = p.submitter_id
	LEFT JOIN users du ON du.id = p.delegate_id
	LEFT JOIN series se ON se.id = p.series_id`

func scanPatchRow(r *sql.Rows) (store.PatchRow, error) {
	var p store.PatchRow
	err := r.Scan(&p.ID, &p.ProjectID, &p.MsgID, &p.Name, timeCol{&p.Date}, nullStr{&p.Hash},
		nullStr{&p.PullURL}, nullStr{&p.CommitRef}, &p.StateID, &p.Archived, &p.Submitter.ID,
		&p.Submitter.Name, &p.Submitter.Email, nullInt64{&p.Submitter.UserID},
		nullInt64{&p.DelegateID}, nullStr{&p.DelegateUsername}, nullInt64{&p.SeriesID},
		nullStr{&p.SeriesName}, nullInt{&p.SeriesVersion}, nullInt{&p.SeriesTotal}, &p.Number,
		nullInt64{&p.RelatedID})
	return p, err
}

// leanRowCols are the columns of lean rows (PatchQuery.Lean), on p, pe
// (the submitter) and se (the series); leanRowJoins joins pe and se to p.
const (
	leanRowCols = `p.id, p.project_id, p.msgid, p.name, p.msg_date, p.hash, p.pull_url,
	p.commit_ref, p.state_id, p.archived, p.check_state, p.submitter_id, pe.name, pe.email,
	p.delegate_id, p.series_id, se.project_id, se.name, se.msg_date, se.version, p.related_id`
	leanRowJoins = ` JOIN people pe ON pe.id = p.submitter_id
	LEFT JOIN series se ON se.id = p.series_id`
)

// leanCols are leanRowCols for the dialect. SQLite's times are read as
// text: for a column declared DATETIME, modernc.org/sqlite tries several
// layouts with time.Parse on every value, parseSQLiteTime reads ours
// directly.
func (d dialect) leanCols() string {
	if d.name == "sqlite" {
		return leanRowColsSQLite
	}
	return leanRowCols
}

var leanRowColsSQLite = strings.NewReplacer("p.msg_date", "CAST(p.msg_date AS TEXT)",
	"se.msg_date", "CAST(se.msg_date AS TEXT)").Replace(leanRowCols)

func scanLeanRow(r *sql.Rows) (store.PatchRow, error) {
	var p store.PatchRow
	var checkState int64
	err := r.Scan(&p.ID, &p.ProjectID, &p.MsgID, &p.Name, timeCol{&p.Date}, nullStr{&p.Hash},
		nullStr{&p.PullURL}, nullStr{&p.CommitRef}, &p.StateID, &p.Archived, &checkState, &p.Submitter.ID,
		&p.Submitter.Name, &p.Submitter.Email, nullInt64{&p.DelegateID}, nullInt64{&p.SeriesID},
		nullInt64{&p.SeriesProjectID}, nullStr{&p.SeriesName}, timeCol{&p.SeriesDate}, nullInt{&p.SeriesVersion},
		nullInt64{&p.RelatedID})
	p.CheckState = store.CheckState(checkState)
	return p, err
}

// GetPatchRows fetches list rows by id, in the order of ids (missing ids are
// skipped).
func (s *Store) GetPatchRows(ctx context.Context, ids []int64) ([]store.PatchRow, error) {
	return s.getPatchRows(ctx, ids, false, true, true)
}

func (s *Store) getPatchRows(ctx context.Context, ids []int64, lean, withTags, withChecks bool) ([]store.PatchRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sel, scan := patchRowSelect, scanPatchRow
	if lean {
		sel, scan = "SELECT "+s.d.leanCols()+" FROM patches p"+leanRowJoins, scanLeanRow
	}
	byID := make(map[int64]store.PatchRow, len(ids))
	for _, chunk := range chunks(uniq(ids), 500) {
		rows, err := collect(ctx, s, scan, sel+" WHERE p.id IN ("+placeholders(len(chunk))+")", argsOf(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("get patch rows: %w", err)
		}
		for _, r := range rows {
			byID[r.ID] = r
		}
	}
	out := make([]store.PatchRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	if err := s.fillRows(ctx, out, withTags, withChecks); err != nil {
		return nil, fmt.Errorf("get patch rows: %w", err)
	}
	return out, nil
}

// fillRows adds tag counts and check summaries to a page of rows with one
// query each (left empty when not wanted).
func (s *Store) fillRows(ctx context.Context, rows []store.PatchRow, withTags, withChecks bool) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	tags := map[int64]store.TagCounts{}
	if withTags {
		var err error
		if tags, err = s.tagCounts(ctx, ids); err != nil {
			return err
		}
	}
	sums := map[int64]store.CheckSummary{}
	if withChecks {
		var err error
		if sums, err = s.checkSummaries(ctx, ids); err != nil {
			return err
		}
	}
	for i := range rows {
		rows[i].Tags = tags[rows[i].ID]
		if rows[i].Tags == nil {
			rows[i].Tags = store.TagCounts{}
		}
		rows[i].Checks = sums[rows[i].ID]
	}
	return nil
}

// ListPatches returns one page of rows; see idsQuery for how the page is
// found. Lean rows in id or date order come in one query: the page's ids
// as a derived table, joined to the rows by primary key; the others are
// the ids, then their rows.
func (s *Store) ListPatches(ctx context.Context, q store.PatchQuery) ([]store.PatchRow, error) {
	iq, err := s.idsQuery(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list patches: %w", err)
	}
	if iq.none {
		return nil, nil
	}
	if q.Lean && (q.Order == store.OrderID || q.Order == store.OrderDate) {
		rows, err := collect(ctx, s, scanLeanRow, "SELECT "+s.d.leanCols()+" FROM ("+iq.sql+") pg JOIN patches p ON p.id = pg.id"+
			leanRowJoins, iq.args...)
		if err != nil {
			return nil, fmt.Errorf("list patches: %w", err)
		}
		// Sorted here rather than by an ORDER BY, which would sort whole
		// rows in the database (a temporary B-tree in SQLite, a filesort
		// in MariaDB): the key (date or not, then id) is a total order,
		// the same as the ids query's.
		date := q.Order == store.OrderDate
		desc := iq.dir == " DESC"
		slices.SortFunc(rows, func(a, b store.PatchRow) int {
			c := 0
			if date {
				c = a.Date.Compare(b.Date)
			}
			if c == 0 {
				c = cmp.Compare(a.ID, b.ID)
			}
			if desc != iq.backwards {
				return -c
			}
			return c
		})
		if q.NoTags && q.NoChecks {
			return rows, nil // lean rows' Tags stay nil
		}
		if err := s.fillRows(ctx, rows, !q.NoTags, !q.NoChecks); err != nil {
			return nil, fmt.Errorf("list patches: %w", err)
		}
		return rows, nil
	}
	ids, err := collect(ctx, s, scanInt64, iq.sql, iq.args...)
	if err != nil {
		return nil, fmt.Errorf("list patches: %w", err)
	}
	if iq.backwards {
		slices.Reverse(ids)
	}
	return s.getPatchRows(ctx, ids, q.Lean, !q.NoTags, !q.NoChecks)
}

// idsQuery is the query of the ids of one page (one column, id), in the
// order dir of the key when backwards is false, reversed when it is true;
// none: the page is empty whatever the data.
type idsQuery struct {
	sql       string
	args      []any
	dir       string
	backwards bool
	none      bool
}

// CountPatches counts the rows ListPatches would return without paging.
func (s *Store) CountPatches(ctx context.Context, q store.PatchQuery) (int, error) {
	states, err := s.states(ctx)
	if err != nil {
		return 0, fmt.Errorf("count patches: %w", err)
	}
	where, args, err := s.conds(q.Conds, states)
	if err != nil {
		return 0, fmt.Errorf("count patches: %w", err)
	}
	if kw, ka := keysetWhere(q); kw != "" {
		where = append(where, kw)
		args = append(args, ka...)
	}
	var n int
	if err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM patches p"+whereSQL(where), args...), &n); err != nil {
		return 0, fmt.Errorf("count patches: %w", err)
	}
	return n, nil
}

func whereSQL(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// keysetWhere is the condition of q's cursor (After, or Before), "" when
// q has none or its order pages by offset.
func keysetWhere(q store.PatchQuery) (string, []any) {
	if q.Order != store.OrderID && q.Order != store.OrderDate {
		return "", nil
	}
	cur, desc := q.After, q.Desc
	if q.Before != nil {
		cur, desc = q.Before, !desc
	}
	if cur == nil {
		return "", nil
	}
	op := ">"
	if desc {
		op = "<"
	}
	if q.Order == store.OrderID {
		return "p.id " + op + " ?", []any{cur.ID}
	}
	return "p.msg_date " + op + "= ? AND (p.msg_date " + op + " ? OR p.id " + op + " ?)", []any{cur.Date, cur.Date, cur.ID}
}

// idsQuery builds the query of the ids of one page.
//
// The common list (one project, some states, archived or not, by date) is
// answered by one small index range scan per (state, archived) pair on
// patches_list (project_id, state_id, archived, msg_date, id), each limited
// to the page size, merged by a UNION ALL: no database can merge several
// index ranges into one ordered scan on its own, and without this a project
// with a million patches in other states would be scanned. Everything else
// is one query with the conditions, ORDER BY and LIMIT (keyset when a
// cursor is given, OFFSET otherwise).
func (s *Store) idsQuery(ctx context.Context, q store.PatchQuery) (idsQuery, error) {
	states, err := s.states(ctx)
	if err != nil {
		return idsQuery{}, err
	}
	keyset := q.Order == store.OrderID || q.Order == store.OrderDate
	desc := q.Desc
	cur := q.After
	backwards := false
	if keyset && q.Before != nil {
		cur, backwards, desc = q.Before, true, !desc
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	offset := q.Offset
	if keyset && cur != nil {
		offset = 0
	}
	keyWhere, keyArgs := keysetWhere(q)

	iq := idsQuery{dir: dir, backwards: backwards}
	if plan, ok := partitionPlan(q, states); ok && q.Order == store.OrderDate && q.Limit > 0 && offset == 0 {
		if len(plan.parts) == 0 {
			return idsQuery{none: true}, nil
		}
		where, args, err := s.conds(plan.rest, states)
		if err != nil {
			return idsQuery{}, err
		}
		if keyWhere != "" {
			where = append(where, keyWhere)
			args = append(args, keyArgs...)
		}
		order := " ORDER BY p.msg_date" + dir + ", p.id" + dir
		var parts []string
		var all []any
		for i, pt := range plan.parts {
			w := append([]string{"p.project_id = ?", "p.state_id = ?", "p.archived = ?"}, where...)
			parts = append(parts, fmt.Sprintf("SELECT * FROM (SELECT p.id, p.msg_date FROM patches p%s%s%s) t%d",
				whereSQL(w), order, s.d.limit(q.Limit, 0), i))
			all = append(all, plan.project, pt.state, pt.archived)
			all = append(all, args...)
		}
		iq.sql = "SELECT id FROM (" + strings.Join(parts, " UNION ALL ") + ") u ORDER BY msg_date" + dir + ", id" + dir + s.d.limit(q.Limit, 0)
		iq.args = all
	} else {
		where, args, err := s.conds(q.Conds, states)
		if err != nil {
			return idsQuery{}, err
		}
		if keyWhere != "" {
			where = append(where, keyWhere)
			args = append(args, keyArgs...)
		}
		join, key := "", ""
		switch q.Order {
		case store.OrderID:
		case store.OrderDate:
			key = "p.msg_date"
		case store.OrderName:
			key = "p.name"
		case store.OrderState:
			join, key = " JOIN states st ON st.id = p.state_id", "st.ordering"
		case store.OrderSubmitter:
			key = "p.submitter_id"
		case store.OrderSubmitterName:
			join, key = " JOIN people sp ON sp.id = p.submitter_id", "COALESCE(sp.name, '')"
		case store.OrderProject:
			join, key = " JOIN projects pr ON pr.id = p.project_id", "pr.linkname"
		case store.OrderArchived:
			key = "p.archived"
		case store.OrderCheck:
			key = "p.check_state"
		case store.OrderDelegate:
			join, key = " LEFT JOIN users du ON du.id = p.delegate_id", "COALESCE(du.username, '')"
		default:
			return idsQuery{}, fmt.Errorf("unknown order %d: %w", q.Order, store.ErrInvalid)
		}
		order := " ORDER BY "
		if key != "" {
			order += key + dir + ", "
		}
		if q.DateTieBreak && key != "" && key != "p.msg_date" {
			tie := " DESC"
			if desc {
				tie = " ASC"
			}
			order += "p.msg_date" + tie + ", p.id" + tie
		} else {
			order += "p.id" + dir
		}
		iq.sql = "SELECT p.id FROM patches p" + join + whereSQL(where) + order + s.d.limit(q.Limit, offset)
		iq.args = args
	}
	return iq, nil
}

type partition struct {
	state    int64
	archived bool
}

type plan struct {
	project int64
	parts   []partition
	rest    []store.Cond
}

// partitionPlan splits a query on one project with state conditions into
// (state, archived) pairs; ok is false when the query does not have that
// shape.
func partitionPlan(q store.PatchQuery, states []store.State) (plan, bool) {
	var p plan
	projects := 0
	stateSet := map[int64]bool{}
	for _, st := range states {
		stateSet[st.ID] = true
	}
	archived := map[bool]bool{false: true, true: true}
	sawState := false
	for _, c := range q.Conds {
		switch {
		case c.Field == store.FieldProject && !c.Not && len(c.Ints) == 1:
			projects++
			p.project = c.Ints[0]
		case c.Field == store.FieldState:
			sawState = true
			in := map[int64]bool{}
			for _, id := range c.Ints {
				in[id] = true
			}
			for id := range stateSet {
				if in[id] == c.Not {
					delete(stateSet, id)
				}
			}
		case c.Field == store.FieldActionRequired:
			sawState = true
			for _, st := range states {
				if st.ActionRequired != (c.Bool != c.Not) {
					delete(stateSet, st.ID)
				}
			}
		case c.Field == store.FieldArchived:
			want := c.Bool != c.Not
			delete(archived, !want)
		default:
			p.rest = append(p.rest, c)
		}
	}
	if projects != 1 || !sawState {
		return plan{}, false
	}
	ids := make([]int64, 0, len(stateSet))
	for id := range stateSet {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		for _, a := range []bool{false, true} {
			if archived[a] {
				p.parts = append(p.parts, partition{state: id, archived: a})
			}
		}
	}
	if len(p.parts) > 24 {
		return plan{}, false
	}
	return p, true
}

// conds translates conditions into SQL on the alias p.
func (s *Store) conds(conds []store.Cond, states []store.State) ([]string, []any, error) {
	var where []string
	var args []any
	for _, c := range conds {
		expr, a, err := s.cond(c, states)
		if err != nil {
			return nil, nil, err
		}
		if c.Not {
			// NULL-safe negation: a NULL column (no delegate, no series)
			// never matches the positive test, so it matches the negation.
			expr = "NOT COALESCE((" + expr + "), FALSE)"
		}
		where = append(where, expr)
		args = append(args, a...)
	}
	return where, args, nil
}

func (s *Store) cond(c store.Cond, states []store.State) (string, []any, error) {
	in := func(col string, ids []int64) (string, []any) {
		return col + " IN (" + placeholders(len(ids)) + ")", argsOf(ids)
	}
	strIn := func(col string, strs []string) (string, []any) {
		a := make([]any, len(strs))
		for i, v := range strs {
			a[i] = v
		}
		return col + " IN (" + placeholders(len(strs)) + ")", a
	}
	switch c.Field {
	case store.FieldState:
		e, a := in("p.state_id", c.Ints)
		return e, a, nil
	case store.FieldActionRequired:
		var ids []int64
		for _, st := range states {
			if st.ActionRequired == c.Bool {
				ids = append(ids, st.ID)
			}
		}
		e, a := in("p.state_id", ids)
		return e, a, nil
	case store.FieldArchived:
		return "p.archived = ?", []any{c.Bool}, nil
	case store.FieldSubmitter:
		e, a := in("p.submitter_id", c.Ints)
		return e, a, nil
	case store.FieldSubmitterName:
		if len(c.Strs) == 0 {
			return "1 = 0", nil, nil
		}
		var parts []string
		var a []any
		for _, t := range c.Strs {
			parts = append(parts, contains("name"))
			a = append(a, containsArg(t))
		}
		return "p.submitter_id IN (SELECT id FROM people WHERE " + strings.Join(parts, " OR ") + ")", a, nil
	case store.FieldSubmitterText:
		if len(c.Strs) == 0 {
			return "1 = 0", nil, nil
		}
		var parts []string
		var a []any
		for _, t := range c.Strs {
			parts = append(parts, contains("name")+" OR "+contains("email"))
			a = append(a, containsArg(t), containsArg(t))
		}
		return "p.submitter_id IN (SELECT id FROM people WHERE " + strings.Join(parts, " OR ") + ")", a, nil
	case store.FieldDelegate:
		var ids []int64
		none := false
		for _, id := range c.Ints {
			if id == 0 {
				none = true
			} else {
				ids = append(ids, id)
			}
		}
		e, a := in("p.delegate_id", ids)
		if none {
			e = "(" + e + " OR p.delegate_id IS NULL)"
		}
		return e, a, nil
	case store.FieldSeries:
		e, a := in("p.series_id", c.Ints)
		return e, a, nil
	case store.FieldHash:
		lower := make([]string, len(c.Strs))
		for i, h := range c.Strs {
			lower[i] = strings.ToLower(h)
		}
		e, a := strIn("p.hash", lower)
		return e, a, nil
	case store.FieldMsgID:
		e, a := strIn("p.msgid", c.Strs)
		return e, a, nil
	case store.FieldName:
		if len(c.Strs) == 0 {
			return "1 = 1", nil, nil
		}
		var parts []string
		var a []any
		for _, t := range c.Strs {
			parts = append(parts, contains("p.name"))
			a = append(a, containsArg(t))
		}
		return strings.Join(parts, " AND "), a, nil
	case store.FieldDate:
		t := c.Time.UTC()
		switch c.Op {
		case store.OpEq:
			day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return "p.msg_date >= ? AND p.msg_date < ?", []any{day, day.AddDate(0, 0, 1)}, nil
		case store.OpLt:
			return "p.msg_date < ?", []any{t}, nil
		case store.OpLe:
			return "p.msg_date <= ?", []any{t}, nil
		case store.OpGt:
			return "p.msg_date > ?", []any{t}, nil
		case store.OpGe:
			return "p.msg_date >= ?", []any{t}, nil
		}
		return "", nil, fmt.Errorf("unknown date operator %d: %w", c.Op, store.ErrInvalid)
	case store.FieldHasTag:
		if len(c.Ints) == 0 {
			return "1 = 1", nil, nil
		}
		var parts []string
		for range c.Ints {
			parts = append(parts, "EXISTS (SELECT 1 FROM patch_tags pt WHERE pt.patch_id = p.id AND pt.tag_id = ? AND pt.num > 0)")
		}
		return strings.Join(parts, " AND "), argsOf(c.Ints), nil
	case store.FieldCheck:
		e, a := in("p.check_state", c.Ints)
		return e, a, nil
	case store.FieldFile:
		if len(c.Strs) == 0 {
			return "1 = 0", nil, nil
		}
		// Each path on its own: a glob over the whole diff crossed from
		// one file's name to another's. Lower-cased on both sides, as
		// the dialects' LIKE disagree about case.
		var parts []string
		var a []any
		for _, g := range c.Strs {
			parts = append(parts, "LOWER(pf.path) LIKE ? ESCAPE '!'")
			a = append(a, strings.ToLower(globToLike(g)))
		}
		return "EXISTS (SELECT 1 FROM patch_files pf WHERE pf.patch_id = p.id AND (" + strings.Join(parts, " OR ") + "))", a, nil
	case store.FieldID:
		if c.Op != store.OpEq {
			// XML-RPC's id__gt and friends: an indexed range, not a scan.
			if len(c.Ints) != 1 {
				return "", nil, fmt.Errorf("id range needs one id: %w", store.ErrInvalid)
			}
			op := map[store.Op]string{store.OpLt: "<", store.OpLe: "<=", store.OpGt: ">", store.OpGe: ">="}[c.Op]
			if op == "" {
				return "", nil, fmt.Errorf("id range: bad operator %d: %w", c.Op, store.ErrInvalid)
			}
			return "p.id " + op + " ?", []any{c.Ints[0]}, nil
		}
		e, a := in("p.id", c.Ints)
		return e, a, nil
	case store.FieldProject:
		e, a := in("p.project_id", c.Ints)
		return e, a, nil
	case store.FieldHasCommitRef:
		if c.Bool {
			return "p.commit_ref IS NOT NULL", nil, nil
		}
		return "p.commit_ref IS NULL", nil, nil
	case store.FieldIsPull:
		if c.Bool {
			return "p.pull_url IS NOT NULL", nil, nil
		}
		return "p.pull_url IS NULL", nil, nil
	}
	return "", nil, fmt.Errorf("unknown patch field %d: %w", c.Field, store.ErrInvalid)
}

// globToLike turns a path glob ('*', '?') into a LIKE pattern escaped with '!'.
func globToLike(g string) string {
	var b strings.Builder
	for _, r := range g {
		switch r {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '!':
			b.WriteByte('!')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
