package main

import (
	"net/url"
	"strings"
)

// redactURL hides the password of a database URL (user info and a
// password= query parameter) so that it can be logged and printed.
func redactURL(raw string) string {
	if dbScheme(raw) == "sqlite" || !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable: keep the scheme only rather than risk leaking a secret.
		scheme, _, _ := strings.Cut(raw, "://")
		return scheme + "://(unparseable URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
