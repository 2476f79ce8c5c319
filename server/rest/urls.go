package rest

import (
	"strconv"
	"strings"
)

// api is the absolute URL of an API path under the request's version.
func (c *call) api(path string) string { return c.base + c.ver.prefix() + path }

// apiUnversioned is the absolute URL of an API path without a version
// segment (upstream's nested comments/checks links).
func (c *call) apiUnversioned(path string) string { return c.base + "/api/" + path }

// web is the absolute URL of a web-view path.
func (c *call) web(path string) string { return c.base + path }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// msgidPath encodes a Message-ID as a URL path segment (web.md §2): drop
// the angle brackets, turn '/' into "%2F", then percent-encode everything
// but unreserved characters and the sub-delims ! $ & ' ( ) * + , ; = : @.
func msgidPath(msgid string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(msgid, "<"), ">")
	s = strings.ReplaceAll(s, "/", "%2F")
	return escapeSegment(s)
}

// escapeSegment percent-encodes a path segment with upper-case hex, leaving
// A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ as they are.
func escapeSegment(s string) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (isAlnum(ch) || strings.IndexByte("-._~!$&'()*+,;=:@", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[ch>>4])
		b.WriteByte(upperHex[ch&0xf])
	}
	return b.String()
}

func isAlnum(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
}

// bareMsgID drops the angle brackets of a stored Message-ID.
func bareMsgID(msgid string) string {
	return strings.TrimSuffix(strings.TrimPrefix(msgid, "<"), ">")
}

// listArchiveURL is the project's archive link for a message, or nil.
func listArchiveURL(format, msgid string) any {
	if format == "" {
		return nil
	}
	return strings.ReplaceAll(format, "{}", bareMsgID(msgid))
}
