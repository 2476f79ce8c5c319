package mailin

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// A reply whose direct parent never arrives (it answers an off-list mail)
// but whose thread holds a stored patch or cover is placed where upstream
// places it on arrival (the nearest stored mail it names, newest first)
// once its delivery batch is stored: at the end of an archive import
// (PlaceHeld with the batch's ids), and for single deliveries after a
// grace period in which its parent may still come (cron and serve:
// PlaceHeld with Before). Its sender is recorded when it arrives, as
// upstream records it then. One that names nothing stored stays held until
// ExpireHeld, which keeps it as a failed mail when its thread holds stored
// mail, and drops it (counted) only when nothing of its thread is stored,
// as upstream drops it at once. None disappears without a trace.

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

// hold keeps a reply until its parent arrives. threadStored tells that
// it names a stored patch or cover: upstream would store it now, so its
// sender is checked and recorded now, as upstream does.
func (i *Ingester) hold(ctx context.Context, mc *mailCtx, threadStored bool) (Result, error) {
	var sender Sender
	if threadStored {
		var err error
		if sender, err = mc.m.Sender(mc.proj.ListEmail); err != nil {
			return rejected(mc.m.MsgID, ErrInvalidFrom.Error()), nil
		}
	}
	h := &store.HeldMail{ProjectID: mc.proj.ID, MsgID: mc.m.MsgID, References: mc.m.References,
		Received: i.now().UTC(), Raw: mc.m.raw}
	added, err := mc.tx.HoldMail(ctx, h)
	if err != nil {
		return Result{}, fmt.Errorf("hold reply %s: %w", mc.m.MsgID, err)
	}
	mc.ts.mayHold[mc.proj.ID] = true
	if !added {
		return Result{Kind: Held, Reason: "already held"}, nil
	}
	if threadStored {
		if _, err := i.person(ctx, mc.tx, mc.ts, sender, false); err != nil {
			return Result{}, err
		}
	}
	return Result{Kind: Held, HeldID: h.ID,
		Reason: "a reply that arrived before the mail it answers: held until it arrives"}, nil
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
// What it placed or refused is also added to ts.placed.
func (i *Ingester) placeOne(ctx context.Context, tx store.Store, ts *txState, proj *store.Project, h store.HeldMail, force bool) (Result, error) {
	m, err := Parse(h.Raw)
	if err != nil {
		// It parsed when it was held; a parser change may have made it
		// bad: keep it where an admin sees it.
		return keepHeldAsFailed(ctx, tx, ts, proj, h, err.Error())
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
	mc := &mailCtx{tx: tx, ts: ts, m: m, proj: proj, sub: ParseSubject(m.RawSubject, proj.LinkName),
		force: force, keepName: force}
	res, err := i.storeComment(ctx, mc)
	if err != nil {
		return Result{}, err
	}
	res.MsgID, res.ProjectID, res.HeldID = m.MsgID, proj.ID, h.ID
	if res.Kind == Rejected {
		// A sender upstream refuses too: kept, not lost with the held row.
		if err := tx.SaveFailedMail(ctx, &store.FailedMail{Received: h.Received, Error: res.Reason, Raw: h.Raw}); err != nil {
			return Result{}, fmt.Errorf("keep held mail %d: %w", h.ID, err)
		}
	}
	ts.placed = append(ts.placed, res)
	return res, nil
}

// keepHeldAsFailed moves a held mail to the failed mails with the reason.
func keepHeldAsFailed(ctx context.Context, tx store.Store, ts *txState, proj *store.Project, h store.HeldMail, reason string) (Result, error) {
	if gone, err := deleteHeld(ctx, tx, h.ID); gone || err != nil {
		return Result{}, err
	}
	if err := tx.SaveFailedMail(ctx, &store.FailedMail{Received: h.Received, Error: reason, Raw: h.Raw}); err != nil {
		return Result{}, fmt.Errorf("keep held mail %d: %w", h.ID, err)
	}
	res := Result{Kind: Rejected, MsgID: h.MsgID, ProjectID: proj.ID, Reason: reason, HeldID: h.ID}
	ts.placed = append(ts.placed, res)
	return res, nil
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

// HeldSelect chooses held replies for PlaceHeld.
type HeldSelect struct {
	ProjectID int64 // 0: of every project
	// Before, when set, takes only replies received before it: those
	// whose grace period is over.
	Before time.Time
	// Keys, when not nil, takes only these replies (an archive's).
	Keys map[HeldKey]bool
}

// HeldKey names a held reply: a project holds a message id once.
type HeldKey struct {
	ProjectID int64
	MsgID     string
}

func (sel HeldSelect) takes(h store.HeldMail) bool {
	return (sel.Before.IsZero() || h.Received.Before(sel.Before)) &&
		(sel.Keys == nil || sel.Keys[HeldKey{h.ProjectID, h.MsgID}])
}

// PlaceReport is what PlaceHeld did.
type PlaceReport struct {
	// Results has one entry per held reply handled: placed (a Stored
	// kind), refused and kept as failed mail (Rejected), or still held
	// (Held); replies placed along with the one they answer included.
	Results []Result
	// Placed, Failed and StillHeld count them.
	Placed, Failed, StillHeld int
}

func (r *PlaceReport) add(res Result) {
	r.Results = append(r.Results, res)
	switch {
	case res.Kind == Rejected:
		r.Failed++
	case res.Kind == Held:
		r.StillHeld++
	default:
		r.Placed++
	}
}

// PlaceHeld places the chosen held replies on the nearest stored mail each
// names (newest first), as upstream would have on arrival, even when the
// mail it answers directly never came. Replies naming nothing stored stay
// held. Each reply is its own transaction.
func (i *Ingester) PlaceHeld(ctx context.Context, sel HeldSelect) (PlaceReport, error) {
	var rep PlaceReport
	hs, err := i.s.ListHeldMails(ctx, sel.ProjectID)
	if err != nil {
		return rep, err
	}
	projs, err := i.projects(ctx)
	if err != nil {
		return rep, err
	}
	for _, h := range hs {
		if !sel.takes(h) {
			continue
		}
		proj := projectByID(projs, h.ProjectID)
		if proj == nil {
			continue
		}
		// Most still-held replies name nothing stored: a read outside any
		// transaction spares them the project lock (placeOne asks again
		// under it).
		if ok, err := placeable(ctx, msgLookup{tx: i.s, projectID: proj.ID}, h.References, true); err != nil {
			return rep, classifyErr(err)
		} else if !ok {
			rep.add(Result{Kind: Held, MsgID: h.MsgID, ProjectID: proj.ID, HeldID: h.ID, Reason: "names no stored mail: still held"})
			continue
		}
		var res Result
		var placed []Result
		ts := newTxState(nil)
		err := i.inTx(ctx, ts, func(tx store.Store) error {
			ts.placed = nil
			if err := i.lockProject(ctx, tx, ts, proj); err != nil {
				return err
			}
			var err error
			res, err = i.placeOne(ctx, tx, ts, proj, h, true)
			placed = ts.placed
			return err
		})
		if err != nil {
			return rep, classifyErr(err)
		}
		i.commit(ts)
		if res.Kind == Held && res.HeldID != 0 {
			rep.add(res)
		}
		for _, p := range placed {
			rep.add(p)
		}
	}
	return rep, nil
}

func projectByID(projs []store.Project, id int64) *store.Project {
	for k := range projs {
		if projs[k].ID == id {
			return &projs[k]
		}
	}
	return nil
}
