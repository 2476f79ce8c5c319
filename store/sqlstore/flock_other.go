//go:build !unix

package sqlstore

import "os"

// flock is a no-op where flock(2) is missing: concurrent migration of one
// SQLite file then relies on SQLite's own locking alone.
func flock(*os.File) error { return nil }
