package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/server/mbox"
)

// bytesBuffer collects a download before any header is sent, so that an
// error can still become a clean 404 or 500.
type bytesBuffer = bytes.Buffer

// download sends a body as an attachment with the exact headers of spec
// web.md §3.
func download(w http.ResponseWriter, contentType, disposition string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// seriesMbox serves /series/<id>/mbox/.
func (h *handler) seriesMbox(w http.ResponseWriter, r *http.Request, idSeg string) {
	id, ok := parseID(idSeg)
	if !ok {
		h.notFound(w, r)
		return
	}
	s, err := h.store.GetSeries(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.mbox.Series(r.Context(), &buf, id); err != nil {
		h.fail(w, r, err)
		return
	}
	download(w, "text/plain; charset=utf-8", mbox.SeriesDisposition(*s), buf.Bytes())
}

// pwclientrc serves /project/<linkname>/pwclientrc/ (spec web.md §6). The
// section name must be the linkname: pwclient's REST backend sends it as
// project=.
//
// It points pwclient at XML-RPC, as upstream 3.1.3 does, whenever XML-RPC
// is on: pwclient's REST backend lacks -n/-N, states and a project-less
// check-list. The REST form is a comment to uncomment, and the file itself
// only when XML-RPC is off.
func (h *handler) pwclientrc(w http.ResponseWriter, r *http.Request, linkname string) {
	p, err := h.store.GetProjectByLinkName(r.Context(), linkname)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := h.baseURL(r)
	host := base
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	section := "backend = rest\nurl = " + base + "/api/\n"
	if h.opts.XMLRPC || h.opts.NoREST {
		section = "backend = xmlrpc\nurl = " + base + "/xmlrpc/\n"
		if !h.opts.NoREST {
			section += "# pwclient's REST backend instead (no -n/-N, states or check-list without a project):\n" +
				"# backend = rest\n# url = " + base + "/api/\n"
		}
	}
	body := fmt.Sprintf(`# Sample .pwclientrc file for the %[1]s project,
# running on %[2]s.
#
# Just append this file to your existing ~/.pwclientrc
# If you do not already have a ~/.pwclientrc, then copy this file to
# ~/.pwclientrc, and uncomment the following two lines:
# [options]
# default=%[1]s

[%[1]s]
%[3]s`, p.LinkName, host, section)
	download(w, "text/plain; charset=utf-8", mbox.Disposition(".pwclientrc"), []byte(body))
}
