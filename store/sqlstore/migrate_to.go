package sqlstore

import (
	"context"
	"fmt"
)

// MigrateUpTo applies the pending migrations up to and including version
// (tests of one migration's data conversion; operators use Migrate).
func (s *Store) MigrateUpTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate %s to %d: %w", s.d.name, version, mapErr(err))
	}
	return nil
}
