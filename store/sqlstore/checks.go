package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const checkCols = "id, patch_id, user_id, created, state, target_url, context, description, target_url_given, description_given"

func scanCheck(r rowScanner) (store.Check, error) {
	var c store.Check
	var st int64
	err := r.Scan(&c.ID, &c.PatchID, &c.UserID, timeCol{&c.Date}, &st, &c.TargetURL, &c.Context, &c.Description, &c.TargetURLGiven, &c.DescriptionGiven)
	c.State = store.CheckState(st)
	return c, err
}

func scanCheckRows(r *sql.Rows) (store.Check, error) { return scanCheck(r) }

// CreateCheck inserts a check, refreshes the patch's combined check state
// (patches.check_state, used to filter and sort the list) and records
// check-created, in one transaction.
func (s *Store) CreateCheck(ctx context.Context, c *store.Check) error {
	if c.State < store.CheckPending || c.State > store.CheckFail {
		return fmt.Errorf("create check: bad state %d: %w", c.State, store.ErrInvalid)
	}
	if c.Date.IsZero() {
		c.Date = time.Now()
	}
	c.Date = c.Date.UTC().Truncate(time.Microsecond)
	if c.Context == "" {
		c.Context = "default"
	}
	c.TargetURLGiven = c.TargetURLGiven || c.TargetURL != ""
	c.DescriptionGiven = c.DescriptionGiven || c.Description != ""
	err := s.write(ctx, func(tx *Store) error {
		var projectID int64
		if err := scanRow(tx.queryRow(ctx, "SELECT project_id FROM patches WHERE id = ?"+tx.d.forUpdate(), c.PatchID), &projectID); err != nil {
			return fmt.Errorf("patch %d: %w", c.PatchID, err)
		}
		id, err := tx.insert(ctx, `INSERT INTO checks (patch_id, user_id, created, state, target_url, context, description, target_url_given, description_given)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.PatchID, c.UserID, c.Date, int64(c.State), c.TargetURL, c.Context, c.Description,
			c.TargetURLGiven, c.DescriptionGiven)
		if err != nil {
			return err
		}
		c.ID = id
		sums, err := tx.checkSummaries(ctx, []int64{c.PatchID})
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE patches SET check_state = ? WHERE id = ?", int64(sums[c.PatchID].Combined()), c.PatchID); err != nil {
			return err
		}
		return tx.CreateEvent(ctx, &store.Event{Category: store.EventCheckCreated, ProjectID: projectID,
			Date: c.Date, ActorID: c.UserID, PatchID: c.PatchID, CheckID: id})
	})
	if err != nil {
		return fmt.Errorf("create check on patch %d: %w", c.PatchID, err)
	}
	return nil
}

// GetCheck returns a check by id.
func (s *Store) GetCheck(ctx context.Context, id int64) (*store.Check, error) {
	c, err := scanCheck(s.queryRow(ctx, "SELECT "+checkCols+" FROM checks WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get check %d: %w", id, mapErr(err))
	}
	return &c, nil
}

// ListChecks selects a patch's checks.
func (s *Store) ListChecks(ctx context.Context, q store.CheckQuery) ([]store.Check, error) {
	where := []string{"patch_id = ?"}
	args := []any{q.PatchID}
	if len(q.UserID) > 0 {
		where = append(where, "user_id IN ("+placeholders(len(q.UserID))+")")
		args = append(args, argsOf(q.UserID)...)
	}
	if len(q.State) > 0 {
		where = append(where, "state IN ("+placeholders(len(q.State))+")")
		for _, st := range q.State {
			args = append(args, int64(st))
		}
	}
	if q.Context != "" {
		where, args = append(where, "context = ?"), append(args, q.Context)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "created >= ?"), append(args, q.Since)
	}
	if !q.Before.IsZero() {
		where, args = append(where, "created < ?"), append(args, q.Before)
	}
	cols := map[string]string{"id": "id", "user": "user_id", "date": "created", "state": "state",
		"target_url": "target_url", "context": "context", "description": "description"}
	query := "SELECT " + checkCols + " FROM checks" + whereSQL(where) + orderBy(q.Order, cols, "id", "id") + s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanCheckRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list checks of patch %d: %w", q.PatchID, err)
	}
	return out, nil
}

// UniqueChecks returns the newest check per (user, context), by id.
func (s *Store) UniqueChecks(ctx context.Context, patchID int64) ([]store.Check, error) {
	all, err := collect(ctx, s, scanCheckRows, "SELECT "+checkCols+" FROM checks WHERE patch_id = ? ORDER BY created, id", patchID)
	if err != nil {
		return nil, fmt.Errorf("unique checks of patch %d: %w", patchID, err)
	}
	out := newestChecks(all)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

type checkKey struct {
	patch, user int64
	context     string
}

// newestChecks keeps the last check per (patch, user, context) of a list
// ordered by date then id.
func newestChecks(all []store.Check) []store.Check {
	idx := map[checkKey]int{}
	var out []store.Check
	for _, c := range all {
		k := checkKey{c.PatchID, c.UserID, c.Context}
		if i, ok := idx[k]; ok {
			out[i] = c
			continue
		}
		idx[k] = len(out)
		out = append(out, c)
	}
	return out
}

// checkSummaries counts the unique checks of many patches in one query.
func (s *Store) checkSummaries(ctx context.Context, ids []int64) (map[int64]store.CheckSummary, error) {
	out := map[int64]store.CheckSummary{}
	for _, chunk := range chunks(uniq(ids), 500) {
		all, err := collect(ctx, s, scanCheckRows, "SELECT "+checkCols+" FROM checks WHERE patch_id IN ("+
			placeholders(len(chunk))+") ORDER BY created, id", argsOf(chunk)...)
		if err != nil {
			return nil, err
		}
		for _, c := range newestChecks(all) {
			sum := out[c.PatchID]
			switch c.State {
			case store.CheckPending:
				sum.Pending++
			case store.CheckSuccess:
				sum.Success++
			case store.CheckWarning:
				sum.Warning++
			case store.CheckFail:
				sum.Fail++
			}
			out[c.PatchID] = sum
		}
	}
	return out, nil
}
