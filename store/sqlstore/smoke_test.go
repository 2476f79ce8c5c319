package sqlstore_test

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestSmoke(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		states, err := s.ListStates(context.Background())
		if err != nil || len(states) != 10 {
			t.Fatalf("states: %v %d", err, len(states))
		}
	})
}
