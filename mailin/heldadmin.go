package mailin

import (
	"context"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// HeldInfo is what an operator sees of a held reply (`held list`).
type HeldInfo struct {
	store.HeldMail
	Subject string
	Date    time.Time
	// WaitsFor is the mail it answers directly (its In-Reply-To): it is
	// placed at once when that one is stored.
	WaitsFor []string
	// References are the ids it names, in the mail's own order (the store
	// keeps them as a set).
	References []string
	// Err is why the mail no longer parses ("" when it does).
	Err string
}

// DescribeHeld reads a held reply for display.
func DescribeHeld(h store.HeldMail) HeldInfo {
	out := HeldInfo{HeldMail: h, WaitsFor: []string{}, References: h.References}
	if out.References == nil {
		out.References = []string{}
	}
	m, err := Parse(h.Raw)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	out.Subject, out.Date, out.References = m.RawSubject, m.Date.UTC(), m.References
	if len(m.References) > 0 {
		out.WaitsFor = m.References[:1]
	}
	return out
}

// HeldByIDs finds held replies by id, in the order asked; an unknown id
// is an error (store.ErrNotFound).
func HeldByIDs(ctx context.Context, s store.Store, ids []int64) ([]store.HeldMail, error) {
	hs, err := s.ListHeldMails(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("list held mails: %w", err)
	}
	byID := map[int64]store.HeldMail{}
	for _, h := range hs {
		byID[h.ID] = h
	}
	out := make([]store.HeldMail, 0, len(ids))
	for _, id := range ids {
		h, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("no held mail %d: %w", id, store.ErrNotFound)
		}
		out = append(out, h)
	}
	return out, nil
}

// DeleteHeld forgets held replies by id (an operator's decision); all ids
// are checked before any is deleted.
func DeleteHeld(ctx context.Context, s store.Store, ids []int64) (int, error) {
	hs, err := HeldByIDs(ctx, s, ids)
	if err != nil {
		return 0, err
	}
	for _, h := range hs {
		if err := s.DeleteHeldMail(ctx, h.ID); err != nil {
			return 0, fmt.Errorf("delete held mail %d: %w", h.ID, err)
		}
	}
	return len(hs), nil
}
