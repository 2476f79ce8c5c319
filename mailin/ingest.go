package mailin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// mailCtx is what one ingest knows about the mail and its project.
type mailCtx struct {
	tx   store.Store
	ts   *txState
	m    *Mail
	proj *store.Project
	sub  Subject
	// force places a held reply on the best parent known even when the
	// mail it answers directly never arrived (patchworkd held place).
	force bool
	// keepName leaves an existing person's name as it is: a held reply
	// placed late had its sender recorded when it arrived, and mails that
	// came after it may have renamed the person since.
	keepName bool
	// threadRefs is what seriesOfThread read: the series of the mail's
	// own id and references.
	threadRefs map[string][]store.Series
}

func dropped(reason string) Result { return Result{Kind: Dropped, Reason: reason} }

func rejected(msgid, reason string) Result {
	return Result{Kind: Rejected, MsgID: msgid, Reason: reason}
}

// ingestTx decides what one mail becomes and stores it inside tx, in
// upstream's order of checks (spec §3). Bad mail gives a Rejected result
// and a nil error, so that the caller's transaction still commits (it has
// written nothing by then).
func (i *Ingester) ingestTx(ctx context.Context, tx store.Store, ts *txState, m *Mail, listID string) (Result, error) {
	if strings.EqualFold(m.Hint, "ignore") {
		return dropped("X-Patchwork-Hint: ignore"), nil
	}
	proj, err := i.findProject(ctx, m, listID)
	if err != nil {
		return Result{}, err
	}
	if proj == nil {
		return dropped("no project matches the list id"), nil
	}
	// The lock comes first: on MySQL the first plain read fixes the
	// transaction's snapshot, which must not predate a concurrent writer.
	if err := i.lockProject(ctx, tx, ts, proj); err != nil {
		return Result{}, err
	}
	if m.MsgID == "" {
		return rejected("", "Broken 'Message-Id' header"), nil
	}
	if !m.SubjectOK {
		return rejected(m.MsgID, "Broken 'Subject' header"), nil
	}
	mc := &mailCtx{tx: tx, ts: ts, m: m, proj: proj, sub: ts.subject(proj, m)}
	res, err := i.classify(ctx, mc)
	res.MsgID = m.MsgID
	if res.ProjectID == 0 {
		res.ProjectID = proj.ID
	}
	res.Placed, ts.placed = ts.placed, nil
	return res, err
}

// classify applies spec §8 and stores the result.
func (i *Ingester) classify(ctx context.Context, mc *mailCtx) (Result, error) {
	m, sub := mc.m, mc.sub
	if m.Diff == "" && m.Content == "" {
		return dropped("no diff and no text"), nil
	}
	if !sub.IsReply && (m.Diff != "" || m.PullURL != "") {
		return i.storePatch(ctx, mc)
	}
	if !sub.IsReply && sub.HasMarker && sub.X == 0 {
		// The cover itself would make its name "taken" below and a second
		// delivery would turn into a comment; a stored cover is a duplicate.
		if dup, err := stored(ctx, mc, true); err != nil || dup {
			return Result{Kind: Duplicate}, err
		}
		isCover := len(m.References) == 0
		if !isCover {
			// A resent cover letter in a thread is taken for a comment (§8).
			name := cut255(sub.Name)
			n, err := mc.tx.CountCoversNamed(ctx, name)
			if err != nil {
				return Result{}, err
			}
			isCover = n == 0
		}
		if isCover {
			return i.storeCover(ctx, mc)
		}
	}
	return i.storeComment(ctx, mc)
}

// sender parses and records the author; a bad From rejects the mail.
func (i *Ingester) sender(ctx context.Context, mc *mailCtx) (store.Person, bool, error) {
	s, err := mc.m.Sender(mc.proj.ListEmail)
	if err != nil {
		return store.Person{}, false, nil
	}
	p, err := i.person(ctx, mc.tx, mc.ts, s, mc.keepName)
	if err != nil {
		return store.Person{}, false, err
	}
	return p, true, nil
}

// event queues an event; inTx records the queue before it commits.
func (i *Ingester) event(_ context.Context, mc *mailCtx, e store.Event) error {
	e.ProjectID = mc.proj.ID
	e.Date = i.now().UTC()
	mc.ts.events = append(mc.ts.events, e)
	return nil
}

// stored tells whether the project holds the mail's id as a cover letter
// (cover) or a patch: from what the batch learned when it locked the
// project, else by asking.
func stored(ctx context.Context, mc *mailCtx, cover bool) (bool, error) {
	l := mc.lookup()
	var id int64
	var err error
	if cover {
		id, err = l.cover(ctx, mc.m.MsgID)
	} else {
		id, err = l.patch(ctx, mc.m.MsgID)
	}
	return id != 0, err
}

// storePatch stores a patch or pull request (§10, §11.1).
func (i *Ingester) storePatch(ctx context.Context, mc *mailCtx) (Result, error) {
	m, tx := mc.m, mc.tx
	if dup, err := stored(ctx, mc, false); err != nil || dup {
		return Result{Kind: Duplicate}, err
	}
	author, ok, err := i.sender(ctx, mc)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return rejected(m.MsgID, ErrInvalidFrom.Error()), nil
	}
	states, err := i.loadStates(ctx, tx)
	if err != nil {
		return Result{}, err
	}
	if len(states) == 0 {
		return Result{}, fmt.Errorf("no patch states (database not migrated?): %w", store.ErrUnavailable)
	}
	state := states[0]
	trusted, err := i.trustsHints(ctx, mc, author)
	if err != nil {
		return Result{}, err
	}
	if m.State != "" && trusted {
		for _, st := range states {
			if strings.EqualFold(st.Name, m.State) {
				state = st
				break
			}
		}
	}
	delegate, err := i.delegate(ctx, mc, trusted)
	if err != nil {
		return Result{}, err
	}
	var tags store.TagCounts
	if mc.proj.UseTags {
		t, res, err := i.loadTags(ctx, tx)
		if err != nil {
			return Result{}, err
		}
		tags = countTags(t, res, m.Content)
	}

	x, n := mc.sub.X, mc.sub.N
	if !mc.sub.HasMarker {
		x, n = 1, 1
	}
	g, err := i.groupPatch(ctx, mc, author, x, n)
	if err != nil {
		return Result{}, err
	}
	p := &store.Patch{
		ProjectID: mc.proj.ID, MsgID: m.MsgID, Name: cut255(mc.sub.Name), Date: m.Date,
		SubmitterID: author.ID, Headers: m.Headers, Content: m.Content, Diff: m.Diff,
		PullURL: m.PullURL, Hash: Hash(m.Diff), StateID: state.ID, DelegateID: delegate,
		Number: x,
	}
	if g.series != nil && x != 0 {
		p.SeriesID = g.series.ID
	}
	if err := tx.CreatePatch(ctx, p, nil); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Result{}, errDuplicate
		}
		return Result{}, fmt.Errorf("store patch %s: %w", m.MsgID, err)
	}
	mc.ts.owners[mc.proj.ID].storedPatch(m.MsgID, p.ID)
	mc.ts.addTags(p.ID, tags)
	if p.SeriesID != 0 {
		mc.ts.joined(p.SeriesID, p.Number)
		mc.ts.patchJoined(p.SeriesID)
	}
	res := Result{Kind: StoredPatch, PatchID: p.ID, SeriesCreated: g.created}
	if err := i.event(ctx, mc, store.Event{Category: store.EventPatchCreated, PatchID: p.ID}); err != nil {
		return Result{}, err
	}
	if err := i.patchSeries(ctx, mc, g, p, &res); err != nil {
		return Result{}, err
	}
	// Replies that came first are placed after the series work, so that
	// events follow the order in-order delivery gives.
	if err := i.placeHeld(ctx, mc); err != nil {
		return Result{}, err
	}
	return res, nil
}

// patchSeries records a stored patch in its series (§11.1).
func (i *Ingester) patchSeries(ctx context.Context, mc *mailCtx, g group, p *store.Patch, res *Result) error {
	if g.series == nil {
		return nil
	}
	if err := i.recordRefs(ctx, mc, g.series); err != nil {
		return err
	}
	if g.created {
		if err := i.event(ctx, mc, store.Event{Category: store.EventSeriesCreated, SeriesID: g.series.ID}); err != nil {
			return err
		}
	}
	if p.Number == 0 {
		// A 0/N mail with a diff: the series exists, the patch is not in it.
		return nil
	}
	res.SeriesID = g.series.ID
	if err := i.joinSeries(ctx, mc, g, p); err != nil {
		return err
	}
	return i.addDependencies(ctx, mc, g.series, p.Content)
}

// trustsHints tells whether the patch's X-Patchwork-State and
// X-Patchwork-Delegate headers count: only from senders the project
// trusts (store.TrustsHints), or a stranger could post a patch already
// Accepted, or delegated to anyone.
func (i *Ingester) trustsHints(ctx context.Context, mc *mailCtx, author store.Person) (bool, error) {
	if mc.m.State == "" && mc.m.Delegate == "" {
		return false, nil
	}
	ok, err := store.TrustsHints(ctx, mc.tx, mc.proj, author.Email)
	if err != nil {
		return false, err
	}
	if !ok {
		i.log.Info("X-Patchwork hint headers ignored: the sender is not trusted by the project",
			"msgid", mc.m.MsgID, "sender", author.Email, "state", mc.m.State, "delegate", mc.m.Delegate)
	}
	return ok, nil
}

// delegate picks the patch delegate: the X-Patchwork-Delegate user when
// the sender is trusted, else the project's delegation rules (§10).
func (i *Ingester) delegate(ctx context.Context, mc *mailCtx, trusted bool) (int64, error) {
	if mc.m.Delegate != "" && trusted {
		u, err := mc.tx.GetUserByEmail(ctx, mc.m.Delegate)
		if err == nil {
			return u.ID, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("delegate %q: %w", mc.m.Delegate, err)
		}
	}
	if mc.m.Diff == "" {
		return 0, nil
	}
	rs, err := i.loadRules(ctx, mc.tx, mc.proj.ID)
	if err != nil {
		return 0, err
	}
	return autoDelegate(rs.rules, rs.res, mc.m.Diff), nil
}

// storeCover stores a cover letter and attaches it to its series (§11.3);
// classify has found no stored cover with the mail's id.
func (i *Ingester) storeCover(ctx context.Context, mc *mailCtx) (Result, error) {
	m, tx := mc.m, mc.tx
	author, ok, err := i.sender(ctx, mc)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return rejected(m.MsgID, ErrInvalidFrom.Error()), nil
	}
	series, err := seriesOfVersion(ctx, mc, m.MsgID, mc.sub.Version)
	if err != nil {
		return Result{}, err
	}
	created := false
	if series == nil {
		series = &store.Series{ProjectID: mc.proj.ID, Date: m.Date, SubmitterID: author.ID,
			Version: mc.sub.Version, Total: mc.sub.N}
		if err := mc.ts.createSeries(ctx, tx, series); err != nil {
			return Result{}, fmt.Errorf("create series for cover %s: %w", m.MsgID, err)
		}
		mc.ts.numbers[series.ID] = []int{}
		created = true
	}
	if err := i.recordRefs(ctx, mc, series); err != nil {
		return Result{}, err
	}
	c := &store.Cover{ProjectID: mc.proj.ID, MsgID: m.MsgID, Name: cut255(mc.sub.Name), Date: m.Date,
		SubmitterID: author.ID, Headers: m.Headers, Content: m.Content}
	attach := series.CoverID == 0
	if attach {
		c.SeriesID = series.ID
	}
	if err := tx.CreateCover(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Result{}, errDuplicate
		}
		return Result{}, fmt.Errorf("store cover %s: %w", m.MsgID, err)
	}
	mc.ts.owners[mc.proj.ID].storedCover(m.MsgID, c.ID)
	res := Result{Kind: StoredCover, CoverID: c.ID, SeriesID: series.ID, SeriesCreated: created}
	if attach {
		series.CoverID = c.ID
		named, err := coverNamesSeries(ctx, tx, series)
		if err != nil {
			return Result{}, err
		}
		if named {
			series.Name = seriesNameFromCover(c.Name)
		}
		if err := mc.ts.updateSeries(ctx, tx, series); err != nil {
			return Result{}, fmt.Errorf("attach cover %s: %w", m.MsgID, err)
		}
		if err := i.afterNaming(ctx, mc, series, m.References, named); err != nil {
			return Result{}, err
		}
	}
	if created {
		if err := i.event(ctx, mc, store.Event{Category: store.EventSeriesCreated, SeriesID: series.ID}); err != nil {
			return Result{}, err
		}
	}
	// Upstream attaches no series to cover-created, so /events/?series=N
	// does not list it.
	if err := i.event(ctx, mc, store.Event{Category: store.EventCoverCreated, CoverID: c.ID}); err != nil {
		return Result{}, err
	}
	if err := i.addDependencies(ctx, mc, series, c.Content); err != nil {
		return Result{}, err
	}
	if err := i.placeHeld(ctx, mc); err != nil {
		return Result{}, err
	}
	return res, nil
}

// coverNamesSeries tells whether an attached cover may rename the series:
// when it has no name, or still carries the name patch 1 gave it (a name
// set by hand is kept).
func coverNamesSeries(ctx context.Context, tx store.Store, s *store.Series) (bool, error) {
	if s.Name == "" {
		return true, nil
	}
	rows, err := tx.SeriesPatches(ctx, s.ID)
	if err != nil {
		return false, fmt.Errorf("patches of series %d: %w", s.ID, err)
	}
	for _, r := range rows {
		if r.Number == 1 {
			return r.Name == s.Name, nil
		}
	}
	return false, nil
}

// seriesNameFromCover drops the cover name's leading "[...]" group.
func seriesNameFromCover(name string) string {
	if strings.HasPrefix(name, "[") {
		if end := strings.IndexByte(name, ']'); end >= 0 {
			return strings.TrimLeftFunc(name[end+1:], isPySpace)
		}
	}
	return pyStrip(name)
}

// storeComment stores a reply to a patch or a cover (§12).
func (i *Ingester) storeComment(ctx context.Context, mc *mailCtx) (Result, error) {
	m, tx := mc.m, mc.tx
	if len(m.References) == 0 {
		// Nothing it could ever be placed on: upstream drops it too.
		return dropped("not a patch, a cover letter or a reply"), nil
	}
	l := mc.lookup()
	patchID, coverID, err := findParent(ctx, l, m.References)
	if err != nil {
		return Result{}, err
	}
	direct, err := knownMsgID(ctx, l, m.References)
	if err != nil {
		return Result{}, err
	}
	if (patchID == 0 && coverID == 0) || (!direct && !mc.force) {
		return i.hold(ctx, mc, patchID != 0 || coverID != 0)
	}
	dup, err := commentExists(ctx, l, patchID, coverID, m.MsgID)
	if err != nil {
		return Result{}, err
	}
	if dup {
		return Result{Kind: Duplicate}, nil
	}
	author, ok, err := i.sender(ctx, mc)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return rejected(m.MsgID, ErrInvalidFrom.Error()), nil
	}
	c := &store.Comment{PatchID: patchID, CoverID: coverID, ProjectID: mc.proj.ID, MsgID: m.MsgID,
		Date: m.Date, SubmitterID: author.ID, Headers: m.Headers, Content: m.Content}
	if patchID != 0 && m.ActionRequired {
		f := false
		c.Addressed = &f
	}
	if err := tx.CreateComment(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Result{}, errDuplicate
		}
		return Result{}, fmt.Errorf("store comment %s: %w", m.MsgID, err)
	}
	mc.ts.owners[mc.proj.ID].storedComment(c)
	if err := i.placeHeld(ctx, mc); err != nil {
		return Result{}, err
	}
	if coverID != 0 {
		err := i.event(ctx, mc, store.Event{Category: store.EventCoverCommentCreated, CoverID: coverID, CommentID: c.ID})
		return Result{Kind: StoredCoverComment, CoverID: coverID, CommentID: c.ID}, err
	}
	if mc.proj.UseTags {
		t, res, err := i.loadTags(ctx, tx)
		if err != nil {
			return Result{}, err
		}
		mc.ts.addTags(patchID, countTags(t, res, c.Content))
	}
	err = i.event(ctx, mc, store.Event{Category: store.EventPatchCommentCreated, PatchID: patchID, CommentID: c.ID})
	return Result{Kind: StoredPatchComment, PatchID: patchID, CommentID: c.ID}, err
}

// findParent finds what a reply answers: a patch through any reference
// first, and only then a cover.
func findParent(ctx context.Context, l msgLookup, refs []string) (patchID, coverID int64, err error) {
	for _, ref := range refs {
		if id, err := l.patch(ctx, ref); err != nil || id != 0 {
			return id, 0, err
		}
		pid, _, _, err := l.comment(ctx, ref)
		if err != nil || pid != 0 {
			return pid, 0, err
		}
	}
	for _, ref := range refs {
		if id, err := l.cover(ctx, ref); err != nil || id != 0 {
			return 0, id, err
		}
		_, cid, _, err := l.comment(ctx, ref)
		if err != nil || cid != 0 {
			return 0, cid, err
		}
	}
	return 0, 0, nil
}

// commentExists tells whether the parent already has a comment with that
// message id, checked before anything is written so that a duplicate
// changes nothing (and a failed insert cannot abort a PostgreSQL
// transaction that holds other mails of a batch).
func commentExists(ctx context.Context, l msgLookup, patchID, coverID int64, msgid string) (bool, error) {
	pid, cid, found, err := l.comment(ctx, msgid)
	if err != nil || !found {
		return false, err
	}
	if pid == patchID && cid == coverID {
		return true, nil
	}
	// The newest comment with this id hangs elsewhere; look at this parent.
	cs, err := l.tx.ListComments(ctx, store.CommentQuery{PatchID: patchID, CoverID: coverID})
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.MsgID == msgid {
			return true, nil
		}
	}
	return false, nil
}
