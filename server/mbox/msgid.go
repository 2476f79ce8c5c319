package mbox

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// EscapeMsgID turns a stored Message-ID into the URL path segment every link
// uses (spec web.md §2): drop the angle brackets, replace each '/' by "%2F",
// then percent-encode everything except the unreserved characters and
// "!$&'()*+,;=:@" with upper-case hex. So "<a/b@c>" becomes "a%252Fb@c",
// which is what upstream emits.
func EscapeMsgID(msgid string) string {
	id := strings.TrimSuffix(strings.TrimPrefix(msgid, "<"), ">")
	id = strings.ReplaceAll(id, "/", "%2F")
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(id) + 8)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if segmentSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func segmentSafe(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

// UnescapeMsgID turns a still-escaped URL path segment back into a stored
// Message-ID with angle brackets: percent-decode once, then every "%2F"
// becomes '/'. It accepts upstream's form ("a%252Fb@c") and a plain "%2F" on
// the wire. A segment made of several raw path segments (a '/' inside the id)
// may be passed joined with '/'.
func UnescapeMsgID(segment string) (string, error) {
	s, err := url.PathUnescape(segment)
	if err != nil {
		return "", fmt.Errorf("message id %q: %w", segment, store.ErrInvalid)
	}
	s = strings.ReplaceAll(s, "%2F", "/")
	if s == "" {
		return "", fmt.Errorf("empty message id: %w", store.ErrInvalid)
	}
	return "<" + s + ">", nil
}

// PatchPath is the web path of a patch page: /project/<linkname>/patch/<msgid>/.
func PatchPath(linkname, msgid string) string {
	return "/project/" + url.PathEscape(linkname) + "/patch/" + EscapeMsgID(msgid) + "/"
}

// CoverPath is the web path of a cover page: /project/<linkname>/cover/<msgid>/.
func CoverPath(linkname, msgid string) string {
	return "/project/" + url.PathEscape(linkname) + "/cover/" + EscapeMsgID(msgid) + "/"
}

// SeriesMboxPath is the web path of a series mbox: /series/<id>/mbox/.
func SeriesMboxPath(seriesID int64) string {
	return fmt.Sprintf("/series/%d/mbox/", seriesID)
}
