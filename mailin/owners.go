package mailin

import (
	"context"
	"errors"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// msgOwners is what a project holds under the message ids an archive
// batch names (its mails' own ids and their references): read at once
// when the batch locks the project, and kept up to date as the
// transaction stores patches, covers and comments, so that duplicates and
// the parents of replies are found without a query per mail. Every id of
// that set has an entry (empty when the project holds nothing under it);
// other ids are asked of the store. Only holders of the project's lock
// store mails, so nothing else changes what the entries say.
type msgOwners map[string]*store.MsgIDOwner

// ownersOf gives every one of msgids its entry from what MsgIDOwners found.
func ownersOf(msgids []string, found map[string]store.MsgIDOwner) msgOwners {
	own := make(msgOwners, len(msgids))
	for _, id := range msgids {
		o := found[id]
		own[id] = &o
	}
	return own
}

// msgLookup answers what a project holds under a message id, from the
// batch's owners where they know, else from the store.
type msgLookup struct {
	tx        store.Store
	own       msgOwners // nil outside an archive batch
	projectID int64
}

func (l msgLookup) patch(ctx context.Context, msgid string) (int64, error) {
	if o, ok := l.own[msgid]; ok {
		return o.PatchID, nil
	}
	p, err := l.tx.GetPatchByMsgID(ctx, l.projectID, msgid)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

func (l msgLookup) cover(ctx context.Context, msgid string) (int64, error) {
	if o, ok := l.own[msgid]; ok {
		return o.CoverID, nil
	}
	c, err := l.tx.GetCoverByMsgID(ctx, l.projectID, msgid)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// comment is what the newest comment with msgid answers; found is false
// when there is none.
func (l msgLookup) comment(ctx context.Context, msgid string) (patchID, coverID int64, found bool, err error) {
	if o, ok := l.own[msgid]; ok {
		return o.CommentPatchID, o.CommentCoverID, o.CommentID != 0, nil
	}
	patchID, coverID, err = l.tx.FindCommentParent(ctx, l.projectID, msgid)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	return patchID, coverID, true, nil
}

// storedPatch, storedCover and storedComment keep the owners up to date
// with what the transaction stored.
func (o msgOwners) storedPatch(msgid string, id int64) {
	if e, ok := o[msgid]; ok {
		e.PatchID = id
	}
}

func (o msgOwners) storedCover(msgid string, id int64) {
	if e, ok := o[msgid]; ok {
		e.CoverID = id
	}
}

func (o msgOwners) storedComment(c *store.Comment) {
	if e, ok := o[c.MsgID]; ok {
		e.AddComment(c.ID, c.PatchID, c.CoverID, c.Date)
	}
}

// lookup answers for the mail's project.
func (mc *mailCtx) lookup() msgLookup {
	return msgLookup{tx: mc.tx, own: mc.ts.owners[mc.proj.ID], projectID: mc.proj.ID}
}

// expectRows guesses what the batch will store, for the ids a deferring
// transaction takes in advance: an overestimate leaves gaps in the ids, an
// underestimate costs a round trip per row beyond it. Mails the project
// already holds count for nothing, so that a restarted import leaves no
// gaps; mails of other projects count as if they were this one's.
func (ts *txState) expectRows(proj *store.Project, own msgOwners) store.RowCounts {
	var c store.RowCounts
	for _, m := range ts.mails {
		if m.MsgID == "" || !m.SubjectOK || (m.Diff == "" && m.Content == "") || strings.EqualFold(m.Hint, "ignore") {
			continue
		}
		if o := own[m.MsgID]; o != nil && (o.PatchID != 0 || o.CoverID != 0 || o.CommentID != 0) {
			continue
		}
		sub := ts.subject(proj, m)
		root := len(m.References) == 0 // starts a thread, so a series
		switch {
		case !sub.IsReply && (m.Diff != "" || m.PullURL != ""):
			c.Patches++
			if root {
				c.Series++
			}
		case !sub.IsReply && sub.HasMarker && sub.X == 0:
			// Also in a thread (a v2 cover answering v1): a cover unless
			// one of that name exists already.
			c.Covers++
			c.Series++
		case !root:
			c.Comments++
		}
	}
	c.People = len(ts.newPeople)
	return c
}
