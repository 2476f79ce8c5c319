package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

const bundleCols = "b.id, b.owner_id, b.project_id, b.name, b.is_public"

func scanBundle(r rowScanner) (store.Bundle, error) {
	var b store.Bundle
	err := r.Scan(&b.ID, &b.OwnerID, &b.ProjectID, &b.Name, &b.Public)
	return b, err
}

func scanBundleRows(r *sql.Rows) (store.Bundle, error) { return scanBundle(r) }

// CreateBundle inserts a bundle and sets b.ID.
func (s *Store) CreateBundle(ctx context.Context, b *store.Bundle) error {
	if b.Name == "" {
		return fmt.Errorf("create bundle: empty name: %w", store.ErrInvalid)
	}
	id, err := s.insert(ctx, "INSERT INTO bundles (owner_id, project_id, name, is_public) VALUES (?, ?, ?, ?)",
		b.OwnerID, b.ProjectID, b.Name, b.Public)
	if err != nil {
		return fmt.Errorf("create bundle %q: %w", b.Name, err)
	}
	b.ID = id
	return nil
}

// UpdateBundle writes name, project and visibility.
func (s *Store) UpdateBundle(ctx context.Context, b *store.Bundle) error {
	res, err := s.exec(ctx, "UPDATE bundles SET name = ?, project_id = ?, is_public = ? WHERE id = ?", b.Name, b.ProjectID, b.Public, b.ID)
	if err != nil {
		return fmt.Errorf("update bundle %d: %w", b.ID, err)
	}
	return s.mustExist(ctx, res, "bundles", b.ID, "update bundle")
}

// DeleteBundle deletes a bundle (its patch list goes with it).
func (s *Store) DeleteBundle(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, "DELETE FROM bundles WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete bundle %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete bundle %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// GetBundle returns a bundle by id.
func (s *Store) GetBundle(ctx context.Context, id int64) (*store.Bundle, error) {
	b, err := scanBundle(s.queryRow(ctx, "SELECT "+bundleCols+" FROM bundles b WHERE b.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get bundle %d: %w", id, mapErr(err))
	}
	return &b, nil
}

// GetBundleByName returns an owner's bundle by name.
func (s *Store) GetBundleByName(ctx context.Context, ownerID int64, name string) (*store.Bundle, error) {
	b, err := scanBundle(s.queryRow(ctx, "SELECT "+bundleCols+" FROM bundles b WHERE b.owner_id = ? AND b.name = ?", ownerID, name))
	if err != nil {
		return nil, fmt.Errorf("get bundle %q: %w", name, mapErr(err))
	}
	return &b, nil
}

// ListBundles selects bundles visible to q.ViewerID.
func (s *Store) ListBundles(ctx context.Context, q store.BundleQuery) ([]store.Bundle, error) {
	var where []string
	var args []any
	if q.ProjectID != 0 {
		where, args = append(where, "b.project_id = ?"), append(args, q.ProjectID)
	}
	if len(q.OwnerID) > 0 {
		where = append(where, "b.owner_id IN ("+placeholders(len(q.OwnerID))+")")
		args = append(args, argsOf(q.OwnerID)...)
	}
	if q.Public != nil {
		where, args = append(where, "b.is_public = ?"), append(args, *q.Public)
	}
	switch {
	case q.ViewerID == -1:
	case q.ViewerID > 0:
		where, args = append(where, "(b.is_public = ? OR b.owner_id = ?)"), append(args, true, q.ViewerID)
	default:
		where, args = append(where, "b.is_public = ?"), append(args, true)
	}
	if q.NameLike != "" {
		where, args = append(where, contains("b.name")), append(args, containsArg(q.NameLike))
	}
	if q.Name != "" {
		where, args = append(where, "b.name = ?"), append(args, q.Name)
	}
	join := ""
	if q.Order == "owner" || q.Order == "-owner" {
		join = " JOIN users u ON u.id = b.owner_id"
	}
	cols := map[string]string{"id": "b.id", "name": "b.name", "owner": "u.username"}
	query := "SELECT " + bundleCols + " FROM bundles b" + join + whereSQL(where) + orderBy(q.Order, cols, "id", "b.id") + s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanBundleRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list bundles: %w", err)
	}
	return out, nil
}

// BundlePatchIDs returns the bundle's patch ids in order.
func (s *Store) BundlePatchIDs(ctx context.Context, bundleID int64) ([]int64, error) {
	out, err := collect(ctx, s, scanInt64, "SELECT patch_id FROM bundle_patches WHERE bundle_id = ? ORDER BY ordering, patch_id", bundleID)
	if err != nil {
		return nil, fmt.Errorf("bundle %d patches: %w", bundleID, err)
	}
	return out, nil
}

// SetBundlePatches replaces the bundle's patches (duplicates dropped).
func (s *Store) SetBundlePatches(ctx context.Context, bundleID int64, ids []int64) error {
	err := s.write(ctx, func(tx *Store) error {
		if _, err := tx.GetBundle(ctx, bundleID); err != nil {
			return err
		}
		ids = uniq(ids)
		if err := tx.bundleFits(len(ids)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM bundle_patches WHERE bundle_id = ?", bundleID); err != nil {
			return err
		}
		return tx.appendBundle(ctx, bundleID, ids, 0)
	})
	if err != nil {
		return fmt.Errorf("set bundle %d patches: %w", bundleID, err)
	}
	return nil
}

// AddBundlePatches appends the patches not already in the bundle.
func (s *Store) AddBundlePatches(ctx context.Context, bundleID int64, ids []int64) error {
	err := s.write(ctx, func(tx *Store) error {
		if _, err := tx.GetBundle(ctx, bundleID); err != nil {
			return err
		}
		have, err := tx.BundlePatchIDs(ctx, bundleID)
		if err != nil {
			return err
		}
		in := map[int64]bool{}
		for _, id := range have {
			in[id] = true
		}
		var add []int64
		for _, id := range uniq(ids) {
			if !in[id] {
				add = append(add, id)
			}
		}
		if len(add) == 0 {
			return nil
		}
		if err := tx.bundleFits(len(have) + len(add)); err != nil {
			return err
		}
		var last int
		if err := scanRow(tx.queryRow(ctx, "SELECT COALESCE(MAX(ordering), 0) FROM bundle_patches WHERE bundle_id = ?", bundleID), &last); err != nil {
			return err
		}
		return tx.appendBundle(ctx, bundleID, add, last)
	})
	if err != nil {
		return fmt.Errorf("add to bundle %d: %w", bundleID, err)
	}
	return nil
}

func (s *Store) appendBundle(ctx context.Context, bundleID int64, ids []int64, last int) error {
	for i, id := range ids {
		if _, err := s.exec(ctx, "INSERT INTO bundle_patches (bundle_id, patch_id, ordering) VALUES (?, ?, ?)", bundleID, id, last+i+1); err != nil {
			return fmt.Errorf("patch %d: %w", id, err)
		}
	}
	return nil
}

// RemoveBundlePatches takes patches out of the bundle.
func (s *Store) RemoveBundlePatches(ctx context.Context, bundleID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.exec(ctx, "DELETE FROM bundle_patches WHERE bundle_id = ? AND patch_id IN ("+placeholders(len(ids))+")",
		append([]any{bundleID}, argsOf(ids)...)...)
	if err != nil {
		return fmt.Errorf("remove from bundle %d: %w", bundleID, err)
	}
	return nil
}
