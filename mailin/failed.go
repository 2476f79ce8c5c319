package mailin

import (
	"context"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// FailedByIDs finds kept mails by id, in the order asked (nil ids: every
// kept mail); an unknown id is an error (store.ErrNotFound).
func FailedByIDs(ctx context.Context, s store.Store, ids []int64) ([]store.FailedMail, error) {
	fms, err := s.ListFailedMails(ctx)
	if err != nil {
		return nil, fmt.Errorf("list failed mails: %w", err)
	}
	if ids == nil {
		return fms, nil
	}
	byID := map[int64]store.FailedMail{}
	for _, fm := range fms {
		byID[fm.ID] = fm
	}
	out := make([]store.FailedMail, 0, len(ids))
	for _, id := range ids {
		fm, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("no failed mail %d: %w", id, store.ErrNotFound)
		}
		out = append(out, fm)
	}
	return out, nil
}

// DeleteFailed forgets kept mails by id; all ids are checked before any is
// deleted.
func DeleteFailed(ctx context.Context, s store.Store, ids []int64) (int, error) {
	fms, err := FailedByIDs(ctx, s, ids)
	if err != nil {
		return 0, err
	}
	for _, fm := range fms {
		if err := s.DeleteFailedMail(ctx, fm.ID); err != nil {
			return 0, fmt.Errorf("delete failed mail %d: %w", fm.ID, err)
		}
	}
	return len(fms), nil
}

// Retried is the outcome of feeding one kept mail again.
type Retried struct {
	FailedID int64
	Result   Result
	// Still tells that it failed again (it stays kept, with its old
	// reason); otherwise it was taken in and removed from the kept mails.
	Still bool
}

// RetryFailed feeds kept mails again (as coming from listID when set);
// those taken in now are removed from the kept mails. It stops at the
// first store error, with the outcomes so far.
func (i *Ingester) RetryFailed(ctx context.Context, fms []store.FailedMail, listID string) ([]Retried, error) {
	out := make([]Retried, 0, len(fms))
	for _, fm := range fms {
		res, err := i.Ingest(ctx, fm.Raw, listID)
		if err != nil {
			return out, fmt.Errorf("retry failed mail %d: %w", fm.ID, err)
		}
		if res.Kind == Rejected {
			out = append(out, Retried{FailedID: fm.ID, Result: res, Still: true})
			continue
		}
		if err := i.s.DeleteFailedMail(ctx, fm.ID); err != nil {
			return out, fmt.Errorf("remove failed mail %d: %w", fm.ID, err)
		}
		out = append(out, Retried{FailedID: fm.ID, Result: res})
	}
	return out, nil
}
