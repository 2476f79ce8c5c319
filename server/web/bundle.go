package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// requester identifies the user behind a Token or Basic Authorization
// header; nil for anonymous. An invalid credential is anonymous, never an
// error (git-pw sends its token on every download); only the service's
// refusal of too many failed logins is (a 429).
func (h *handler) requester(ctx context.Context, r *http.Request) (*store.User, error) {
	auth := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Token "); ok {
		u, err := h.store.UserByToken(ctx, strings.TrimSpace(tok))
		if err != nil || !u.Active {
			return nil, nil
		}
		return u, nil
	}
	name, pass, ok := r.BasicAuth()
	if !ok {
		return nil, nil
	}
	u, err := h.svc.Login(ctx, service.Credentials{Username: name, Password: pass, Addr: r.RemoteAddr})
	if errors.Is(err, service.ErrRateLimited) {
		return nil, err
	}
	if u == nil || !u.Active {
		return nil, nil
	}
	return u, nil
}

type bundleData struct {
	Bundle  *store.Bundle
	Owner   *store.User
	Project *store.Project
	Rows    []row
	Tags    []store.Tag
	Mbox    string
	// Prev and Next link the neighbouring pages of pageSize patches, as
	// upstream pages a bundle like any patch list.
	Prev, Next string
}

// bundle serves /bundle/<username>/<bundlename>/ and its mbox/: public
// bundles for everyone, private ones only to their owner; otherwise 404.
func (h *handler) bundle(w http.ResponseWriter, r *http.Request, userSeg, nameSeg string, wantMbox bool) {
	ctx := r.Context()
	username, ok1 := unescapeSegment(userSeg)
	name, ok2 := unescapeSegment(nameSeg)
	if !ok1 || !ok2 {
		h.notFound(w, r)
		return
	}
	owner, err := h.store.GetUserByName(ctx, username)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.store.GetBundleByName(ctx, owner.ID, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !b.Public {
		// Only a private bundle pays for the credentials' check.
		u, err := h.requester(ctx, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !service.MaySeeBundle(u, b) {
			h.notFound(w, r)
			return
		}
	}
	if wantMbox {
		var buf bytesBuffer
		if err := h.mbox.Bundle(ctx, &buf, b.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		download(w, "text/plain; charset=utf-8", mbox.BundleDisposition(*b), buf.Bytes())
		return
	}
	pg := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 {
		pg = n
	}
	d, err := h.bundleData(ctx, owner, b, pg)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "bundle", page{Title: "Bundle " + b.Name, Data: d})
}

func (h *handler) bundleData(ctx context.Context, owner *store.User, b *store.Bundle, pg int) (*bundleData, error) {
	d := &bundleData{Bundle: b, Owner: owner, Mbox: bundlePath(owner.Username, b.Name) + "mbox/"}
	var err error
	if d.Project, err = h.store.GetProject(ctx, b.ProjectID); err != nil {
		return nil, fmt.Errorf("project of bundle %d: %w", b.ID, err)
	}
	ids, err := h.store.BundlePatchIDs(ctx, b.ID)
	if err != nil {
		return nil, fmt.Errorf("patches of bundle %d: %w", b.ID, err)
	}
	// Beyond the end: the last page (upstream's paginator).
	last := max(1, (len(ids)+pageSize-1)/pageSize)
	pg = min(pg, last)
	base := bundlePath(owner.Username, b.Name)
	if pg > 1 {
		d.Prev = base + "?page=" + strconv.Itoa(pg-1)
	}
	if pg < last {
		d.Next = base + "?page=" + strconv.Itoa(pg+1)
	}
	ids = ids[(pg-1)*pageSize : min(len(ids), pg*pageSize)]
	prs, err := h.store.GetPatchRows(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("patch rows of bundle %d: %w", b.ID, err)
	}
	states, err := h.store.ListStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	if d.Tags, err = shownTags(ctx, h.store); err != nil {
		return nil, err
	}
	d.Rows = h.rows(d.Project, states, d.Tags, prs)
	return d, nil
}

func bundlePath(username, name string) string {
	return "/bundle/" + pathEscape(username) + "/" + pathEscape(name) + "/"
}

// legacyBundle redirects /user/bundle/<id>/[mbox/] to the bundle URL for its
// owner; anyone else gets 404.
func (h *handler) legacyBundle(w http.ResponseWriter, r *http.Request, idSeg string, wantMbox bool) {
	ctx := r.Context()
	id, ok := parseID(idSeg)
	if !ok {
		h.notFound(w, r)
		return
	}
	b, err := h.store.GetBundle(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.requester(ctx, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u == nil || u.ID != b.OwnerID {
		h.notFound(w, r)
		return
	}
	target := bundlePath(u.Username, b.Name)
	if wantMbox {
		target += "mbox/"
	}
	h.redirect(w, r, target)
}
