package web

import "net/url"

func pathEscape(s string) string { return url.PathEscape(s) }

func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }
