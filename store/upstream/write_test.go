package upstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestWriteKindOrder: the batches read ahead are written in the order
// they were read, each in its own transaction, up to the empty one.
func TestWriteKindOrder(t *testing.T) {
	im := &importer{dst: sqltest.Open(t, "sqlite"), rep: &Report{}, kind: map[string]int{}}
	var wrote []int64
	read := func(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
		last := after + 10
		if after == 50 {
			last = 0
		}
		return last, func(*sqlstore.ImportBatch) error {
			wrote = append(wrote, after)
			return nil
		}, nil
	}
	if err := im.writeKind(context.Background(), "people", read); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(wrote); got != "[0 10 20 30 40 50]" {
		t.Errorf("batches written after ids %s, want [0 10 20 30 40 50]", got)
	}
}

// TestWriteKindStops: a failed write stops the import with the batch
// named, and the reader reading ahead is stopped before writeKind
// returns.
func TestWriteKindStops(t *testing.T) {
	im := &importer{dst: sqltest.Open(t, "sqlite"), rep: &Report{}, kind: map[string]int{}}
	boom := errors.New("boom")
	var reads, running atomic.Int32
	read := func(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
		running.Add(1)
		defer running.Add(-1)
		reads.Add(1)
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		return after + 10, func(*sqlstore.ImportBatch) error {
			if after == 20 {
				return boom
			}
			return nil
		}, nil
	}
	err := im.writeKind(context.Background(), "people", read)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "import people after id 20") {
		t.Fatalf("err = %v, want boom after id 20", err)
	}
	if running.Load() != 0 {
		t.Error("the reader still runs after writeKind returned")
	}
	if n := reads.Load(); n > 5 {
		t.Errorf("%d batches read for 3 written: the reader did not stop", n)
	}
}
