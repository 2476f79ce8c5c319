package sqltest_test

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestSeededIsKept seeds a small project twice: the second call must reuse
// the first one's data (same project id, same count) instead of seeding
// again.
func TestSeededIsKept(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			const n = 1234
			s1, p1 := sqltest.Seeded(t, d, n)
			s2, p2 := sqltest.Seeded(t, d, n)
			if p1.ID != p2.ID {
				t.Fatalf("project re-created: %d then %d", p1.ID, p2.ID)
			}
			got, err := s2.CountPatches(context.Background(), store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p2.ID}}}})
			if err != nil || got != n {
				t.Fatalf("count %d, %v", got, err)
			}
			_ = s1
		})
	}
}
