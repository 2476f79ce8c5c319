package mailin

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// Delivery is what the mail server must learn of one mail: Temporary
// means "keep it and deliver it again later" (parsemail's exit 75);
// anything else means the mail is taken care of.
type Delivery struct {
	Result Result
	// FailedID is the failed mail it was kept as (a bad mail, or data the
	// database refuses), with Err saying why.
	FailedID  int64
	Err       error
	Temporary bool
}

// Deliver takes in one mail as the mail server hands it over: stored,
// ignored or, when it cannot be stored, kept as a failed mail for an
// admin; Temporary only when the database could not take it (then
// nothing was kept and the mail server must retry).
func (i *Ingester) Deliver(ctx context.Context, raw []byte, listID string) Delivery {
	return i.DeliverBatch(ctx, [][]byte{raw}, listID)[0]
}

// KeepFailed stores a mail that cannot be taken in, for `failed retry`.
func KeepFailed(ctx context.Context, s store.Store, raw []byte, reason string) (int64, error) {
	fm := &store.FailedMail{Raw: raw, Error: reason}
	if err := s.SaveFailedMail(ctx, fm); err != nil {
		return 0, err
	}
	return fm.ID, nil
}

// DeliverBatch is Deliver for mails that arrived together (a daemon taking
// mails from many parsemail processes at once): one transaction for all,
// each project locked once, so that a burst of mails does not queue on the
// project lock one transaction at a time. When that transaction fails the
// mails are stored one by one, as IngestBatch does; mails the database
// could not take come back Temporary.
func (i *Ingester) DeliverBatch(ctx context.Context, raws [][]byte, listID string) []Delivery {
	out := make([]Delivery, len(raws))
	var mails []*Mail
	var at []int
	for k, raw := range raws {
		m, err := i.parse(raw)
		if err != nil {
			out[k] = i.keep(ctx, raw, Result{Kind: Rejected, Reason: err.Error()})
			continue
		}
		mails, at = append(mails, m), append(at, k)
	}
	if len(mails) == 0 {
		return out
	}
	results, err := i.IngestBatch(ctx, mails, listID)
	for n, r := range results {
		out[at[n]] = i.keep(ctx, raws[at[n]], r)
	}
	for n := len(results); n < len(mails); n++ {
		out[at[n]] = Delivery{Err: err, Temporary: true}
	}
	return out
}

// keep keeps a rejected mail as a failed mail; other results pass.
func (i *Ingester) keep(ctx context.Context, raw []byte, r Result) Delivery {
	if r.Kind != Rejected {
		return Delivery{Result: r}
	}
	id, err := KeepFailed(ctx, i.s, raw, r.Reason)
	if err != nil {
		return Delivery{Result: r, Err: fmt.Errorf("keep rejected mail: %w", err), Temporary: true}
	}
	return Delivery{Result: r, FailedID: id, Err: errors.New(r.Reason)}
}
