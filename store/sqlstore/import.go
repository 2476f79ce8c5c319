package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patchwork-go/patchwork/store"
)

// The import writer: rows that carry the ids another instance gave them
// (store/upstream brings upstream Patchwork's), written in bulk. It is
// apart from the Store methods on purpose: those make their own ids and
// events, these must not.

// ImportToken is a REST token as the source stored it.
type ImportToken struct {
	UserID  int64
	Token   string
	Created time.Time
}

// ImportRelation is a patch relation (the patches point at it).
type ImportRelation struct {
	ID      int64
	Created time.Time
}

// ImportSeriesRef is one message id a series is known by.
type ImportSeriesRef struct {
	ID, ProjectID, SeriesID int64
	MsgID                   string
}

// ImportPatchTag is one tag count of one patch.
type ImportPatchTag struct {
	PatchID, TagID int64
	Count          int
}

// ImportBundlePatch places a patch in a bundle.
type ImportBundlePatch struct {
	BundleID, PatchID int64
	Order             int
}

// ImportBatch writes rows inside one transaction (Store.ImportTx).
type ImportBatch struct {
	s *Store
	// stmts are the MySQL inserts prepared on the transaction (closed
	// with it), by query text.
	stmts map[string]*sql.Stmt
}

// ImportTx runs fn in one transaction: everything it wrote commits
// together or not at all.
func (s *Store) ImportTx(ctx context.Context, fn func(*ImportBatch) error) error {
	return s.inTx(ctx, func(tx *Store) error { return fn(&ImportBatch{s: tx, stmts: map[string]*sql.Stmt{}}) })
}

// ImportTargetEmpty reports whether the database holds nothing an import
// would collide with (the default states and tags do not count).
func (s *Store) ImportTargetEmpty(ctx context.Context) (bool, error) {
	for _, t := range []string{"projects", "users", "people", "patches", "covers", "events"} {
		var n int64
		if err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM "+t), &n); err != nil {
			return false, fmt.Errorf("count %s: %w", t, err)
		}
		if n > 0 {
			return false, nil
		}
	}
	return true, nil
}

// importMaxQuery is, per kind, the highest source id already written: a
// resumed import starts each kind after it.
var importMaxQuery = map[string]string{
	"projects":        "SELECT MAX(id) FROM projects",
	"users":           "SELECT MAX(id) FROM users",
	"people":          "SELECT MAX(id) FROM people",
	"series":          "SELECT MAX(id) FROM series",
	"covers":          "SELECT MAX(id) FROM covers",
	"patches":         "SELECT MAX(id) FROM patches",
	"patch comments":  "SELECT MAX(id) FROM comments WHERE patch_id IS NOT NULL",
	"cover comments":  "SELECT MAX(alias_id) FROM comments WHERE alias_id IS NOT NULL",
	"checks":          "SELECT MAX(id) FROM checks",
	"bundles":         "SELECT MAX(id) FROM bundles",
	"events":          "SELECT MAX(id) FROM events",
	"relations":       "SELECT MAX(id) FROM patch_relations",
	"delegation rule": "SELECT MAX(id) FROM delegation_rules",
}

// ImportMaxID is the highest id of that kind written so far (0: none).
func (s *Store) ImportMaxID(ctx context.Context, kind string) (int64, error) {
	q, ok := importMaxQuery[kind]
	if !ok {
		return 0, fmt.Errorf("import max id: unknown kind %q: %w", kind, store.ErrInvalid)
	}
	var n sql.NullInt64
	if err := scanRow(s.queryRow(ctx, q), &n); err != nil {
		return 0, fmt.Errorf("import max id of %s: %w", kind, err)
	}
	return n.Int64, nil
}

// rows inserts rows of len(cols) values each, as many to a statement as the
// dialects' parameter limits allow.
func (b *ImportBatch) rows(ctx context.Context, table, cols string, n int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	if b.s.d.name == "postgres" && b.s.conn != nil {
		return b.copyRows(ctx, table, cols, n, args)
	}
	rowsPer := min(30000/n, 1000)
	if b.s.d.name == "mysql" {
		// The driver sends a value longer than its packet limit divided
		// by the statement's parameter count apart, one packet (and one
		// write) each: with fewer rows per statement the mail text of a
		// row mostly travels inline.
		rowsPer = min(rowsPer, 100)
	}
	for start := 0; start < len(args); start += rowsPer * n {
		end := min(start+rowsPer*n, len(args))
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + valuesRows((end-start)/n, n)
		var err error
		if b.s.d.name == "mysql" && b.s.tx != nil {
			err = b.execPrepared(ctx, q, args[start:end])
		} else {
			_, err = b.s.exec(ctx, q, args[start:end]...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// execPrepared runs q as a statement prepared on the transaction. On
// MySQL the store's queries are sent as text with the values quoted in;
// for the import's large rows the server then spent its time unescaping
// and lexing the mail text. A prepared statement takes the values in
// binary, and each batch prepares each of its few statements once.
func (b *ImportBatch) execPrepared(ctx context.Context, q string, args []any) error {
	st := b.stmts[q]
	if st == nil {
		var err error
		if st, err = b.s.tx.PrepareContext(ctx, q); err != nil {
			return mapErr(err)
		}
		b.stmts[q] = st
	}
	_, err := st.ExecContext(ctx, b.s.d.args(args)...)
	return mapErr(err)
}

// copyRows is rows on PostgreSQL: COPY, on the transaction's connection.
// A multi-row INSERT of large mail text spent its time building one
// message of every row and having the server parse and plan it; COPY
// streams the rows in binary with neither.
func (b *ImportBatch) copyRows(ctx context.Context, table, cols string, n int, args []any) error {
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	args = b.s.d.args(args)
	rows := make([][]any, 0, len(args)/n)
	for i := 0; i+n <= len(args); i += n {
		rows = append(rows, args[i:i+n])
	}
	// Held-back writes go first, as before any other statement.
	if err := b.s.flush(ctx); err != nil {
		return err
	}
	err := b.s.conn.Raw(func(dc any) error {
		c, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("driver connection %T is not pgx's", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, mapErr(err))
	}
	return nil
}

// States replaces the states (the default ones of a new database go: the
// source's own, custom ones and their order included, take their place).
func (b *ImportBatch) States(ctx context.Context, states []store.State) error {
	if _, err := b.s.exec(ctx, "DELETE FROM states"); err != nil {
		return fmt.Errorf("clear default states: %w", err)
	}
	var args []any
	for _, x := range states {
		args = append(args, x.ID, x.Name, x.Slug, x.Ordering, x.ActionRequired)
	}
	if err := b.rows(ctx, "states", "id, name, slug, ordering, action_required", 5, args); err != nil {
		return err
	}
	b.s.forgetStatesAndTags()
	return nil
}

// forgetStatesAndTags drops the cached lists after the import replaced them.
func (s *Store) forgetStatesAndTags() {
	s.cache.mu.Lock()
	s.cache.states, s.cache.tags = nil, nil
	s.cache.mu.Unlock()
}

// Tags replaces the tags, as States does the states.
func (b *ImportBatch) Tags(ctx context.Context, tags []store.Tag) error {
	if _, err := b.s.exec(ctx, "DELETE FROM tags"); err != nil {
		return fmt.Errorf("clear default tags: %w", err)
	}
	var args []any
	for _, x := range tags {
		args = append(args, x.ID, x.Name, x.Pattern, x.Abbrev, x.ShowColumn)
	}
	defer b.s.forgetStatesAndTags()
	return b.rows(ctx, "tags", "id, name, pattern, abbrev, show_column", 5, args)
}

// Projects inserts projects with their ids.
func (b *ImportBatch) Projects(ctx context.Context, ps []store.Project) error {
	var args []any
	for i := range ps {
		args = append(args, ps[i].ID)
		args = append(args, projectArgs(&ps[i])...)
	}
	// projectCols and projectArgs are CreateProject's: a column added there
	// is imported too.
	return b.rows(ctx, "projects", projectCols, strings.Count(projectCols, ",")+1, args)
}

// Users inserts users with their ids; the password hash is kept as given
// (store.CheckPassword reads Django's).
func (b *ImportBatch) Users(ctx context.Context, us []store.User) error {
	var args []any
	for _, u := range us {
		args = append(args, u.ID, u.Username, u.Email, u.FirstName, u.LastName, u.PasswordHash, u.IsAdmin,
			u.Active, u.DateJoined, u.SendEmail, u.ItemsPerPage, u.ShowIDs)
	}
	return b.rows(ctx, "users", `id, username, email, first_name, last_name, password_hash,
		is_admin, active, date_joined, send_email, items_per_page, show_ids`, 12, args)
}

// Maintainers makes each user (pair[1]) a maintainer of the project (pair[0]).
func (b *ImportBatch) Maintainers(ctx context.Context, pairs [][2]int64) error {
	var args []any
	for _, p := range pairs {
		args = append(args, p[0], p[1])
	}
	return b.rows(ctx, "maintainers", "project_id, user_id", 2, args)
}

// Tokens stores REST tokens in the form the store keeps them.
func (b *ImportBatch) Tokens(ctx context.Context, ts []ImportToken) error {
	var args []any
	for _, t := range ts {
		args = append(args, t.UserID, storedToken(t.Token), t.Created)
	}
	return b.rows(ctx, "tokens", "user_id, token_hash, created", 3, args)
}

// storedToken is how a token in clear is kept in the tokens table: its
// hash (migration 4), as SetToken keeps it.
func storedToken(token string) string { return store.HashToken(token) }

// OptOuts records addresses that opted out of notifications.
func (b *ImportBatch) OptOuts(ctx context.Context, emails []string) error {
	var args []any
	for _, e := range emails {
		args = append(args, strings.ToLower(strings.TrimSpace(e)))
	}
	return b.rows(ctx, "email_optouts", "email", 1, args)
}

// DelegationRules inserts rules with their ids.
func (b *ImportBatch) DelegationRules(ctx context.Context, rs []store.DelegationRule) error {
	var args []any
	for _, r := range rs {
		args = append(args, r.ID, r.ProjectID, r.UserID, r.Path, r.Priority)
	}
	return b.rows(ctx, "delegation_rules", "id, project_id, user_id, path, priority", 5, args)
}

// Relations inserts patch relations with their ids.
func (b *ImportBatch) Relations(ctx context.Context, rs []ImportRelation) error {
	var args []any
	for _, r := range rs {
		args = append(args, r.ID, r.Created)
	}
	return b.rows(ctx, "patch_relations", "id, created", 2, args)
}

// People inserts people with their ids and user links.
func (b *ImportBatch) People(ctx context.Context, ps []store.Person) error {
	var args []any
	for _, p := range ps {
		args = append(args, p.ID, p.Name, p.Email, nullID(p.UserID))
	}
	return b.rows(ctx, "people", "id, name, email, user_id", 4, args)
}

// Series inserts series with their ids.
func (b *ImportBatch) Series(ctx context.Context, xs []store.Series) error {
	var args []any
	for _, x := range xs {
		args = append(args, x.ID, x.ProjectID, nullString(x.Name), x.Date, x.SubmitterID, x.Version, x.Total,
			nullID(x.CoverID), nullID(x.PreviousID))
	}
	return b.rows(ctx, "series", "id, project_id, name, msg_date, submitter_id, version, total, cover_id, previous_id", 9, args)
}

// SeriesRefs inserts the message ids series are known by.
func (b *ImportBatch) SeriesRefs(ctx context.Context, rs []ImportSeriesRef) error {
	var args []any
	for _, r := range rs {
		args = append(args, r.ID, r.ProjectID, r.SeriesID, r.MsgID)
	}
	return b.rows(ctx, "series_references", "id, project_id, series_id, msgid", 4, args)
}

// Covers inserts cover letters with their ids.
func (b *ImportBatch) Covers(ctx context.Context, cs []store.Cover) error {
	var args []any
	for _, c := range cs {
		args = append(args, c.ID, c.ProjectID, c.MsgID, c.Name, c.Date, c.SubmitterID, c.Headers, c.Content, nullID(c.SeriesID))
	}
	return b.rows(ctx, "covers", "id, project_id, msgid, name, msg_date, submitter_id, headers, content, series_id", 9, args)
}

// Patches inserts patches with their ids; ImportFinish sets their check
// state.
func (b *ImportBatch) Patches(ctx context.Context, ps []store.Patch) error {
	var args []any
	for _, p := range ps {
		args = append(args, p.ID, p.ProjectID, p.MsgID, p.Name, p.Date, p.SubmitterID, p.Headers, p.Content,
			nullString(p.Diff), nullString(p.PullURL), nullString(p.Hash), p.StateID, p.Archived,
			nullID(p.DelegateID), nullString(p.CommitRef), nullID(p.SeriesID), p.Number, nullID(p.RelatedID))
	}
	return b.rows(ctx, "patches", `id, project_id, msgid, name, msg_date, submitter_id,
		headers, content, diff, pull_url, hash, state_id, archived, delegate_id, commit_ref,
		series_id, number, related_id`, 18, args)
}

// PatchTags inserts tag counts.
func (b *ImportBatch) PatchTags(ctx context.Context, ts []ImportPatchTag) error {
	var args []any
	for _, t := range ts {
		args = append(args, t.PatchID, t.TagID, t.Count)
	}
	return b.rows(ctx, "patch_tags", "patch_id, tag_id, num", 3, args)
}

// Comments inserts comments with their ids (and, for cover comments of
// the source, their aliases).
func (b *ImportBatch) Comments(ctx context.Context, cs []store.Comment) error {
	var args []any
	for _, c := range cs {
		args = append(args, c.ID, nullID(c.PatchID), nullID(c.CoverID), c.ProjectID, c.MsgID, c.Date, c.SubmitterID,
			c.Headers, c.Content, boolPtrArg(c.Addressed), nullID(c.Alias))
	}
	return b.rows(ctx, "comments", `id, patch_id, cover_id, project_id, msgid, msg_date, submitter_id,
		headers, content, addressed, alias_id`, 11, args)
}

// Checks inserts checks with their ids.
func (b *ImportBatch) Checks(ctx context.Context, cs []store.Check) error {
	var args []any
	for _, c := range cs {
		args = append(args, c.ID, c.PatchID, c.UserID, c.Date, int64(c.State), c.TargetURL, c.Context, c.Description)
	}
	return b.rows(ctx, "checks", "id, patch_id, user_id, created, state, target_url, context, description", 8, args)
}

// Bundles inserts bundles with their ids.
func (b *ImportBatch) Bundles(ctx context.Context, bs []store.Bundle) error {
	var args []any
	for _, x := range bs {
		args = append(args, x.ID, x.OwnerID, x.ProjectID, x.Name, x.Public)
	}
	return b.rows(ctx, "bundles", "id, owner_id, project_id, name, is_public", 5, args)
}

// BundlePatches places patches in bundles in their order.
func (b *ImportBatch) BundlePatches(ctx context.Context, ps []ImportBundlePatch) error {
	var args []any
	for _, p := range ps {
		args = append(args, p.BundleID, p.PatchID, p.Order)
	}
	return b.rows(ctx, "bundle_patches", "bundle_id, patch_id, ordering", 3, args)
}

// Events inserts events with their ids and times.
func (b *ImportBatch) Events(ctx context.Context, es []store.Event) error {
	var args []any
	for _, e := range es {
		args = append(args, e.ID, e.Category, e.ProjectID, e.Date, nullID(e.ActorID), nullID(e.PatchID),
			nullID(e.SeriesID), nullID(e.CoverID), nullID(e.CommentID), nullID(e.CheckID),
			nullID(e.PreviousStateID), nullID(e.CurrentStateID), nullID(e.PreviousDelegateID),
			nullID(e.CurrentDelegateID), nullID(e.PreviousRelationID), nullID(e.CurrentRelationID))
	}
	return b.rows(ctx, "events", `id, category, project_id, created, actor_id, patch_id, series_id, cover_id,
		comment_id, check_id, previous_state_id, current_state_id, previous_delegate_id, current_delegate_id,
		previous_relation_id, current_relation_id`, 16, args)
}

// importSequences are the tables whose ids the import set; their
// sequences must start past them.
var importSequences = []string{
	"users", "projects", "people", "states", "tags", "series", "series_references", "covers",
	"patch_relations", "patches", "comments", "checks", "bundles", "events", "delegation_rules",
}

// ImportFinish completes an import: the patches' cached check states, and
// on PostgreSQL and MariaDB the id sequences moved past the imported ids
// (SQLite's AUTOINCREMENT follows explicit ids by itself). Running it twice
// changes nothing.
func (s *Store) ImportFinish(ctx context.Context) error {
	var ids []int64
	rows, err := s.query(ctx, "SELECT DISTINCT patch_id FROM checks")
	if err != nil {
		return fmt.Errorf("patches with checks: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("patches with checks: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("patches with checks: %w", err)
	}
	for _, chunk := range chunks(ids, 500) {
		err := s.inTx(ctx, func(tx *Store) error {
			sums, err := tx.checkSummaries(ctx, chunk)
			if err != nil {
				return err
			}
			// One UPDATE per combined state, not per patch: an instance
			// with CI has checks on most of its patches.
			byState := map[store.CheckState][]int64{}
			for _, id := range chunk {
				st := sums[id].Combined()
				byState[st] = append(byState[st], id)
			}
			for st, ids := range byState {
				if _, err := tx.exec(ctx, "UPDATE patches SET check_state = ? WHERE id IN ("+placeholders(len(ids))+")",
					append([]any{int64(st)}, argsOf(ids)...)...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("check states: %w", err)
		}
	}
	for _, t := range importSequences {
		var max sql.NullInt64
		if err := scanRow(s.queryRow(ctx, "SELECT MAX(id) FROM "+t), &max); err != nil {
			return fmt.Errorf("max id of %s: %w", t, err)
		}
		var q string
		switch s.d.name {
		case "postgres":
			if max.Valid {
				q = fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), %d)", t, max.Int64)
			}
		case "mysql":
			q = fmt.Sprintf("ALTER TABLE %s AUTO_INCREMENT = %d", t, max.Int64+1)
		}
		if q == "" {
			continue
		}
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("move the id sequence of %s: %w", t, mapErr(err))
		}
	}
	return nil
}
