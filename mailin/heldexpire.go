package mailin

import (
	"context"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// ExpireReport is what ExpireHeld did.
type ExpireReport struct {
	// Placed is what the placement before expiry placed (or refused).
	Placed PlaceReport `json:"-"`
	// Failed counts the expired replies kept as failed mail: their thread
	// holds stored mail, but none they name is a patch or cover.
	Failed int `json:"failed"`
	// Dropped counts the expired replies of threads with no stored mail at
	// all, which upstream drops on arrival.
	Dropped int `json:"dropped"`
}

// ExpireHeld ends the wait of the held replies received before the
// cut-off. Each is first placed if it can be (PlaceHeld); one that cannot
// is kept as a failed mail with the reason when anything of its thread is
// stored (a patch or cover names one of its ids), so that `failed retry`
// can take it again, and is dropped only when nothing of its thread is
// stored. Nothing goes without a trace in the report and the log.
func (i *Ingester) ExpireHeld(ctx context.Context, before time.Time) (ExpireReport, error) {
	var rep ExpireReport
	placed, err := i.PlaceHeld(ctx, HeldSelect{Before: before})
	rep.Placed = placed
	if err != nil {
		return rep, fmt.Errorf("place held mails before expiry: %w", err)
	}
	hs, err := i.s.ListHeldMails(ctx, 0)
	if err != nil {
		return rep, err
	}
	projs, err := i.projects(ctx)
	if err != nil {
		return rep, err
	}
	for _, h := range hs {
		if !h.Received.Before(before) {
			continue
		}
		proj := projectByID(projs, h.ProjectID)
		if proj == nil {
			continue // its project is being deleted with it
		}
		var kept, gone bool
		ts := newTxState(nil)
		err := i.inTx(ctx, ts, func(tx store.Store) error {
			if err := i.lockProject(ctx, tx, ts, proj); err != nil {
				return err
			}
			ids := append([]string{h.MsgID}, h.References...)
			refs, err := tx.SeriesRefsIn(ctx, proj.ID, ids)
			if err != nil {
				return fmt.Errorf("thread of held mail %d: %w", h.ID, err)
			}
			if len(refs) == 0 {
				gone, err = deleteHeld(ctx, tx, h.ID)
				return err
			}
			reason := fmt.Sprintf("held reply expired unplaced after %s: its thread holds stored mail, but no id it names is a stored patch, cover letter or comment",
				i.now().Sub(h.Received).Round(time.Hour))
			res, err := keepHeldAsFailed(ctx, tx, ts, proj, h, reason)
			kept, gone = res.Kind == Rejected, res.Kind != Rejected
			return err
		})
		if err != nil {
			return rep, classifyErr(err)
		}
		switch {
		case kept:
			rep.Failed++
			i.log.Info("held reply expired; kept as a failed mail", "msgid", h.MsgID, "project", proj.LinkName)
		case !gone:
			rep.Dropped++
			i.log.Info("held reply expired; dropped: nothing of its thread is stored", "msgid", h.MsgID, "project", proj.LinkName)
		}
	}
	return rep, nil
}
