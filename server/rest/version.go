package rest

import "strconv"

// version is the API version a request was made under: /api/1.N/ or the
// unversioned /api/ (the latest, whose URLs carry no version segment).
type version struct {
	minor     int
	versioned bool
}

// latestMinor is the newest 1.N served.
const latestMinor = 4

var versions = []version{
	{minor: latestMinor},
	{minor: 0, versioned: true},
	{minor: 1, versioned: true},
	{minor: 2, versioned: true},
	{minor: 3, versioned: true},
	{minor: 4, versioned: true},
}

// prefix is the path prefix of the version, with a trailing slash.
func (v version) prefix() string {
	if !v.versioned {
		return "/api/"
	}
	return "/api/1." + strconv.Itoa(v.minor) + "/"
}

// since reports whether a field introduced in 1.minor is shown.
func (c *call) since(minor int) bool { return c.ver.minor >= minor }
