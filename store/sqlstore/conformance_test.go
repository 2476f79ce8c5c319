package sqlstore_test

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/store/storetest"
)

// TestConformance runs the store conformance suite on every dialect, each
// group of it on a database of its own.
func TestConformance(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store { return sqltest.Open(t, d) })
		})
	}
}
