package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// confirmData is what the confirm page shows: the account a registration
// token will create (GET), or has created (POST).
type confirmData struct {
	Action      string // the form's target; empty once done
	Username    string
	Email       string
	Fingerprint string
	Done        bool
}

// maxTokenLen bounds what is looked up: tokens are 40 hex digits, so longer
// segments are garbage and need not reach the database.
const maxTokenLen = 128

// confirm serves /confirm/<key>/: GET shows what confirming would create,
// POST creates it (service.ConfirmRegistration, the same operation as
// `ssh host confirm`). It is the only state-changing route of the web view,
// so POSTs must come from our own pages: a cross-site form could otherwise
// register an attacker's key to a victim's address once the victim's mail
// client follows the link.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	// Tokens must not outlive the page in caches or history snapshots.
	w.Header().Set("Cache-Control", "no-store")
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/confirm/")
	token, slash := strings.CutSuffix(rest, "/")
	if token == "" || strings.Contains(token, "/") || len(token) > maxTokenLen {
		h.notFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !slash {
			h.redirect(w, r, "/confirm/"+token+"/")
			return
		}
		h.confirmShow(w, r, token)
	case http.MethodPost:
		if err := h.sameOrigin(r); err != nil {
			h.log.Warn("cross-origin confirmation refused", "origin", r.Header.Get("Origin"), "referer", r.Header.Get("Referer"), "err", err)
			h.errorPage(w, r, http.StatusForbidden, "This confirmation was sent from another site and was refused. Open the link from your mail and press the button on that page.")
			return
		}
		h.confirmDo(w, r, token)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.errorPage(w, r, http.StatusMethodNotAllowed, "Use the button on the confirmation page.")
	}
}

func (h *handler) confirmShow(w http.ResponseWriter, r *http.Request, token string) {
	conf, key, err := h.svc.PendingRegistration(r.Context(), token, h.opts.ConfirmationValidity)
	if err != nil {
		h.confirmFail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm registration", Data: confirmData{
		Action:      "/confirm/" + url.PathEscape(token) + "/",
		Username:    conf.Username,
		Email:       conf.Email,
		Fingerprint: key.Fingerprint,
	}})
}

func (h *handler) confirmDo(w http.ResponseWriter, r *http.Request, token string) {
	u, key, err := h.svc.ConfirmRegistration(r.Context(), token, h.opts.ConfirmationValidity)
	if err != nil {
		h.confirmFail(w, r, err)
		return
	}
	h.log.Info("user registered over the web link", "user", u.Username, "email", u.Email, "key", key.Fingerprint)
	h.render(w, r, http.StatusOK, "confirm", page{Title: "Account created", Data: confirmData{
		Username:    u.Username,
		Email:       u.Email,
		Fingerprint: key.Fingerprint,
		Done:        true,
	}})
}

// confirmFail answers a failed lookup or confirmation: 404 for tokens that
// are unknown, used or expired (one answer for all three, as over SSH), 409
// when the name, address or key was taken meanwhile.
func (h *handler) confirmFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.errorPage(w, r, http.StatusNotFound, "This confirmation link is unknown, already used or expired. Register again over SSH to get a new one.")
	case errors.Is(err, store.ErrConflict):
		h.errorPage(w, r, http.StatusConflict, service.Message(err)+".")
	default:
		h.serverError(w, r, err)
	}
}

// errCrossOrigin is a POST whose Referer names another site.
var errCrossOrigin = errors.New("referer from another origin")

// sameOrigin refuses POSTs that a browser sent from another site. The
// standard library's check reads Sec-Fetch-Site and Origin; browsers too old
// for either still send a Referer, which we compare ourselves. Requests with
// none of them are not from a browser and pass, as curl should.
func (h *handler) sameOrigin(r *http.Request) error {
	cop := http.NewCrossOriginProtection()
	// Behind a proxy that rewrites Host, the public origin is the base URL's.
	own := h.ownOrigin()
	if own != "" {
		if err := cop.AddTrustedOrigin(own); err != nil {
			return fmt.Errorf("base URL origin %q: %w", own, err)
		}
	}
	if err := cop.Check(r); err != nil {
		return err
	}
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return nil
	}
	ref := r.Header.Get("Referer")
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return errCrossOrigin
	}
	if strings.EqualFold(u.Host, r.Host) || (own != "" && strings.EqualFold(u.Scheme+"://"+u.Host, own)) {
		return nil
	}
	return errCrossOrigin
}

// ownOrigin is scheme://host of the configured base URL, "" without one.
func (h *handler) ownOrigin() string {
	if h.opts.BaseURL == "" {
		return ""
	}
	u, err := url.Parse(h.opts.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
