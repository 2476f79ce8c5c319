package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
)

func patchPathFor(p *store.Project, msgid string) string { return mbox.PatchPath(p.LinkName, msgid) }

// commentView is a comment with its author.
type commentView struct {
	store.Comment
	Author store.Person
}

// checkView is a unique check with its reporter's username.
type checkView struct {
	store.Check
	User string
}

// seriesView is a series with its cover and patches, for the series box.
type seriesView struct {
	Series  *store.Series
	Cover   *store.Cover
	Patches []store.PatchRow
}

type patchData struct {
	Project   *store.Project
	Patch     *store.Patch
	Cover     *store.Cover
	Submitter store.Person
	Delegate  string
	State     string
	Headers   []mbox.Header
	Series    *seriesView
	Related   []store.PatchRow
	Checks    []checkView
	Comments  []commentView
	Tags      []tagView
	Path      string
	ArchURL   string
	CommitURL string
}

type tagView struct {
	Name  string
	Count int
}

// patchPage serves /project/<linkname>/patch/<msgid>/ and its mbox/ and raw/
// downloads. A cover's Message-ID redirects to the cover page.
func (h *handler) patchPage(w http.ResponseWriter, r *http.Request, linkname, msgid, action string) {
	ctx := r.Context()
	proj, err := h.store.GetProjectByLinkName(ctx, linkname)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.store.GetPatchByMsgID(ctx, proj.ID, msgid)
	if errors.Is(err, store.ErrNotFound) && action == "" {
		if c, cerr := h.store.GetCoverByMsgID(ctx, proj.ID, msgid); cerr == nil {
			h.redirect(w, r, mbox.CoverPath(proj.LinkName, c.MsgID))
			return
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch action {
	case "mbox":
		h.patchMbox(w, r, p)
		return
	case "raw":
		download(w, "text/x-patch", mbox.DiffDisposition(p.Name), []byte(p.Diff))
		return
	}
	d, err := h.patchData(ctx, proj, p)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "patch", page{
		Title: p.Name,
		Crumb: []crumb{{proj.Name, "/project/" + pathEscape(proj.LinkName) + "/"}, {"Patches", "/project/" + pathEscape(proj.LinkName) + "/list/"}, {p.Name, ""}},
		Data:  d,
	})
}

func (h *handler) patchData(ctx context.Context, proj *store.Project, p *store.Patch) (*patchData, error) {
	d := &patchData{Project: proj, Patch: p, Headers: mbox.ParseHeaders(p.Headers), Path: mbox.PatchPath(proj.LinkName, p.MsgID)}
	d.ArchURL = formatURL(proj.ListArchiveURLFormat, bareMsgID(p.MsgID))
	d.CommitURL = formatURL(proj.CommitURLFormat, p.CommitRef)
	sub, err := h.store.GetPerson(ctx, p.SubmitterID)
	if err != nil {
		return nil, fmt.Errorf("submitter of patch %d: %w", p.ID, err)
	}
	d.Submitter = *sub
	if p.DelegateID != 0 {
		if u, err := h.store.GetUser(ctx, p.DelegateID); err == nil {
			d.Delegate = u.Username
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("delegate of patch %d: %w", p.ID, err)
		}
	}
	states, err := h.store.ListStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	st, _ := store.StateByID(states, p.StateID)
	d.State = st.Name
	if d.Series, err = h.seriesView(ctx, p.SeriesID); err != nil {
		return nil, err
	}
	if d.Related, err = h.store.RelatedPatches(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("related patches of %d: %w", p.ID, err)
	}
	checks, err := h.store.UniqueChecks(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("checks of patch %d: %w", p.ID, err)
	}
	if len(checks) > 0 {
		ids := make([]int64, len(checks))
		for i, c := range checks {
			ids[i] = c.UserID
		}
		users, err := h.store.GetUsers(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("check users of patch %d: %w", p.ID, err)
		}
		for _, c := range checks {
			d.Checks = append(d.Checks, checkView{Check: c, User: users[c.UserID].Username})
		}
	}
	counts, err := h.store.GetTagCounts(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("tags of patch %d: %w", p.ID, err)
	}
	tags, err := h.store.ListTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	for _, t := range tags {
		if n := counts[t.ID]; n > 0 {
			d.Tags = append(d.Tags, tagView{Name: t.Name, Count: n})
		}
	}
	if d.Comments, err = h.comments(ctx, store.CommentQuery{PatchID: p.ID}); err != nil {
		return nil, err
	}
	return d, nil
}

func (h *handler) seriesView(ctx context.Context, id int64) (*seriesView, error) {
	if id == 0 {
		return nil, nil
	}
	s, err := h.store.GetSeries(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get series %d: %w", id, err)
	}
	v := &seriesView{Series: s}
	if s.CoverID != 0 {
		if v.Cover, err = h.store.GetCover(ctx, s.CoverID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("cover of series %d: %w", id, err)
		}
	}
	if v.Patches, err = h.store.SeriesPatches(ctx, id); err != nil {
		return nil, fmt.Errorf("patches of series %d: %w", id, err)
	}
	return v, nil
}

// comments lists comments oldest first with their authors, fetched in one go.
func (h *handler) comments(ctx context.Context, q store.CommentQuery) ([]commentView, error) {
	q.Order = "date"
	cs, err := h.store.ListComments(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.SubmitterID
	}
	people, err := h.store.GetPeople(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("comment authors: %w", err)
	}
	out := make([]commentView, len(cs))
	for i, c := range cs {
		out[i] = commentView{Comment: c, Author: people[c.SubmitterID]}
	}
	return out, nil
}

// patchMbox answers a patch mbox download, with ?series= dependencies.
func (h *handler) patchMbox(w http.ResponseWriter, r *http.Request, p *store.Patch) {
	buf := &bytesBuffer{}
	if err := h.mbox.PatchWithDeps(r.Context(), buf, p.ID, r.URL.Query().Get("series")); err != nil {
		h.fail(w, r, err)
		return
	}
	download(w, "text/plain; charset=utf-8", mbox.PatchDisposition(p.Name), buf.Bytes())
}

type coverData struct {
	Project   *store.Project
	Cover     *store.Cover
	Submitter store.Person
	Headers   []mbox.Header
	Series    *seriesView
	Comments  []commentView
	Path      string
	ArchURL   string
}

// coverPage serves /project/<linkname>/cover/<msgid>/ and its mbox/. A
// patch's Message-ID redirects to the patch page.
func (h *handler) coverPage(w http.ResponseWriter, r *http.Request, linkname, msgid, action string) {
	ctx := r.Context()
	if action == "raw" {
		h.notFound(w, r)
		return
	}
	proj, err := h.store.GetProjectByLinkName(ctx, linkname)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.store.GetCoverByMsgID(ctx, proj.ID, msgid)
	if errors.Is(err, store.ErrNotFound) && action == "" {
		if p, perr := h.store.GetPatchByMsgID(ctx, proj.ID, msgid); perr == nil {
			h.redirect(w, r, mbox.PatchPath(proj.LinkName, p.MsgID))
			return
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if action == "mbox" {
		buf := &bytesBuffer{}
		if err := h.mbox.Cover(ctx, buf, c.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		download(w, "text/plain; charset=utf-8", mbox.CoverDisposition(c.Name), buf.Bytes())
		return
	}
	d := coverData{Project: proj, Cover: c, Headers: mbox.ParseHeaders(c.Headers), Path: mbox.CoverPath(proj.LinkName, c.MsgID)}
	d.ArchURL = formatURL(proj.ListArchiveURLFormat, bareMsgID(c.MsgID))
	sub, err := h.store.GetPerson(ctx, c.SubmitterID)
	if err != nil {
		h.serverError(w, r, fmt.Errorf("submitter of cover %d: %w", c.ID, err))
		return
	}
	d.Submitter = *sub
	if d.Series, err = h.seriesView(ctx, c.SeriesID); err != nil {
		h.serverError(w, r, err)
		return
	}
	if d.Comments, err = h.comments(ctx, store.CommentQuery{CoverID: c.ID}); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "cover", page{
		Title: c.Name,
		Crumb: []crumb{{proj.Name, "/project/" + pathEscape(proj.LinkName) + "/"}, {"Patches", "/project/" + pathEscape(proj.LinkName) + "/list/"}, {c.Name, ""}},
		Data:  d,
	})
}

// parseID parses a decimal id path segment.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// patchByID redirects /patch/<id>/[mbox|raw/] to the Message-ID URL.
func (h *handler) patchByID(w http.ResponseWriter, r *http.Request, idSeg string, rest []string) {
	id, ok := parseID(idSeg)
	if !ok || len(rest) == 1 && rest[0] != "mbox" && rest[0] != "raw" {
		h.notFound(w, r)
		return
	}
	p, err := h.store.GetPatch(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	proj, err := h.store.GetProject(r.Context(), p.ProjectID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	target := mbox.PatchPath(proj.LinkName, p.MsgID)
	if len(rest) == 1 {
		target += rest[0] + "/"
	}
	h.redirect(w, r, target)
}

// coverByID redirects /cover/<id>/[mbox/] to the Message-ID URL.
func (h *handler) coverByID(w http.ResponseWriter, r *http.Request, idSeg string, rest []string) {
	id, ok := parseID(idSeg)
	if !ok || len(rest) == 1 && rest[0] != "mbox" {
		h.notFound(w, r)
		return
	}
	c, err := h.store.GetCover(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	proj, err := h.store.GetProject(r.Context(), c.ProjectID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	target := mbox.CoverPath(proj.LinkName, c.MsgID)
	if len(rest) == 1 {
		target += "mbox/"
	}
	h.redirect(w, r, target)
}

// commentByID redirects /comment/<id>/ to its patch or cover page + #<id>.
// The number is resolved as upstream does (a patch comment first), so an
// imported instance's links name what they named there.
func (h *handler) commentByID(w http.ResponseWriter, r *http.Request, idSeg string) {
	ctx := r.Context()
	id, ok := parseID(idSeg)
	if !ok {
		h.notFound(w, r)
		return
	}
	c, err := h.store.ResolveComment(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var target string
	if c.PatchID != 0 {
		p, err := h.store.GetPatch(ctx, c.PatchID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		proj, err := h.store.GetProject(ctx, p.ProjectID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		target = mbox.PatchPath(proj.LinkName, p.MsgID)
	} else {
		cv, err := h.store.GetCover(ctx, c.CoverID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		proj, err := h.store.GetProject(ctx, cv.ProjectID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		target = mbox.CoverPath(proj.LinkName, cv.MsgID)
	}
	h.redirect(w, r, target+"#"+strconv.FormatInt(c.Number(), 10))
}
