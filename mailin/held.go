package mailin

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// Replies that arrive before the mail they answer.
//
// Upstream drops a reply whose parent is unknown, and puts a reply on the
// cover letter when the patch it answers is not stored yet. Both lose or
// misplace mail whenever delivery is out of order: a mail server retrying
// a patch it deferred (exit 75) after its replies went through, two
// parsemail processes at once, a shuffled archive. Here such a reply is
// held (raw, with the ids it names) and placed, in the transaction of the
// mail that completes it, as soon as the mail it answers directly arrives,
// so the result is the one in-order delivery gives.
//
// A reply whose direct parent never arrives (a reply to an off-list mail,
// to a dropped mail) stays held: it is listed by `patchworkd held list`,
// and `patchworkd held place` puts it where upstream would have put it on
// arrival (the best parent among the ids it names), or keeps it when it
// names nothing known. It is never dropped silently.

// knownMsgID tells whether the mail a reply answers directly (its
// In-Reply-To, the first reference) is stored as a patch, cover or
// comment of the project.
func knownMsgID(ctx context.Context, l msgLookup, refs []string) (bool, error) {
	if len(refs) == 0 {
		return false, nil
	}
	id := refs[0]
	if p, err := l.patch(ctx, id); err != nil || p != 0 {
		return p != 0, err
	}
	if c, err := l.cover(ctx, id); err != nil || c != 0 {
		return c != 0, err
	}
	_, _, found, err := l.comment(ctx, id)
	return found, err
}

// hold keeps a reply until its parent arrives.
func (i *Ingester) hold(ctx context.Context, mc *mailCtx) (Result, error) {
	h := &store.HeldMail{ProjectID: mc.proj.ID, MsgID: mc.m.MsgID, References: mc.m.References,
		Received: i.now().UTC(), Raw: mc.m.raw}
	added, err := mc.tx.HoldMail(ctx, h)
	if err != nil {
		return Result{}, fmt.Errorf("hold reply %s: %w", mc.m.MsgID, err)
	}
	mc.ts.mayHold[mc.proj.ID] = true
	reason := "a reply that arrived before the mail it answers: held until it arrives"
	if !added {
		reason = "already held"
	}
	return Result{Kind: Held, Reason: reason}, nil
}

// placeHeld places the held replies that name the mail just stored; each
// reply placed places its own held replies in turn.
func (i *Ingester) placeHeld(ctx context.Context, mc *mailCtx) error {
	if !mc.ts.mayHold[mc.proj.ID] {
		return nil
	}
	hs, err := mc.tx.HeldMailsReferencing(ctx, mc.proj.ID, mc.m.MsgID)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if _, err := i.placeOne(ctx, mc.tx, mc.ts, mc.proj, h, false); err != nil {
			return err
		}
	}
	return nil
}

// placeOne stores a held reply as a comment when its parent is known (with
// force: any mail it names); otherwise it stays held, under the same id.
// A reply already placed by another placement (the reply it answers was
// placed first, or another process got there) is skipped: zero Result.
func (i *Ingester) placeOne(ctx context.Context, tx store.Store, ts *txState, proj *store.Project, h store.HeldMail, force bool) (Result, error) {
	m, err := Parse(h.Raw)
	if err != nil {
		// It parsed when it was held; a parser change may have made it
		// bad: keep it where an admin sees it.
		if gone, derr := deleteHeld(ctx, tx, h.ID); gone || derr != nil {
			return Result{}, derr
		}
		if serr := tx.SaveFailedMail(ctx, &store.FailedMail{Received: h.Received, Error: err.Error(), Raw: h.Raw}); serr != nil {
			return Result{}, serr
		}
		return Result{Kind: Rejected, MsgID: h.MsgID, Reason: err.Error(), HeldID: h.ID}, nil
	}
	ok, err := placeable(ctx, msgLookup{tx: tx, own: ts.owners[proj.ID], projectID: proj.ID}, m.References, force)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{Kind: Held, MsgID: m.MsgID, ProjectID: proj.ID, HeldID: h.ID,
			Reason: "names no stored mail: still held"}, nil
	}
	// Deleted first: placing it places its own held replies, which must
	// not find it still held.
	if gone, err := deleteHeld(ctx, tx, h.ID); gone || err != nil {
		return Result{}, err
	}
	mc := &mailCtx{tx: tx, ts: ts, m: m, proj: proj, sub: ParseSubject(m.RawSubject, proj.LinkName), force: force}
	res, err := i.storeComment(ctx, mc)
	res.MsgID, res.ProjectID, res.HeldID = m.MsgID, proj.ID, h.ID
	return res, err
}

// deleteHeld removes a held mail; gone tells that it was removed already.
func deleteHeld(ctx context.Context, tx store.Store, id int64) (gone bool, err error) {
	err = tx.DeleteHeldMail(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("unhold mail %d: %w", id, err)
	}
	return false, nil
}

// placeable tells whether storeComment would place a reply naming refs
// rather than hold it.
func placeable(ctx context.Context, l msgLookup, refs []string, force bool) (bool, error) {
	patchID, coverID, err := findParent(ctx, l, refs)
	if err != nil || (patchID == 0 && coverID == 0) {
		return false, err
	}
	if force {
		return true, nil
	}
	return knownMsgID(ctx, l, refs)
}

// PlaceHeld places every held reply of the project (0: of all projects)
// on the best parent known among the ids it names, as upstream would have
// on arrival, even when the mail it answers directly never came. Replies
// naming nothing known stay held. Each reply is its own transaction. The
// results are one per reply handled; a reply placed because the reply it
// answers was placed is not listed.
func (i *Ingester) PlaceHeld(ctx context.Context, projectID int64) ([]Result, error) {
	hs, err := i.s.ListHeldMails(ctx, projectID)
	if err != nil {
		return nil, err
	}
	projs, err := i.projects(ctx)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, h := range hs {
		var proj *store.Project
		for k := range projs {
			if projs[k].ID == h.ProjectID {
				proj = &projs[k]
			}
		}
		if proj == nil {
			continue
		}
		var res Result
		ts := newTxState(nil)
		err := i.inTx(ctx, ts, func(tx store.Store) error {
			if err := i.lockProject(ctx, tx, ts, proj); err != nil {
				return err
			}
			var err error
			res, err = i.placeOne(ctx, tx, ts, proj, h, true)
			return err
		})
		if err != nil {
			return out, classifyErr(err)
		}
		i.commit(ts)
		if res.HeldID != 0 {
			out = append(out, res)
		}
	}
	return out, nil
}
