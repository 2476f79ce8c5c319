// Package store holds the domain model of patchwork-go: the types every front
// end shares, the Store interface that the SQL implementation satisfies, the
// filters used to query it, and pure helpers over its types. The operations
// users do, with their permission checks and validation, are in
// store/service, above it.
//
// It imports the standard library only.
package store

import "errors"

// Sentinel errors. Implementations wrap them with context; callers test with
// errors.Is and map them to HTTP statuses, XML-RPC faults or exit codes in one
// place per front end.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint would be violated (duplicate linkname,
	// username, message id, bundle name...).
	ErrConflict = errors.New("already exists")
	// ErrForbidden: the actor may not do this.
	ErrForbidden = errors.New("permission denied")
	// ErrInvalid: the input is malformed (bad state name, bad query...).
	ErrInvalid = errors.New("invalid input")
	// ErrUnavailable: the database cannot be reached or its schema is older
	// than this binary expects. Mail delivery maps it to EX_TEMPFAIL (75).
	ErrUnavailable = errors.New("store unavailable")
	// ErrStale: a conditional write found the row changed since the
	// caller read it (PatchUpdate.Expect). It is an ErrConflict.
	ErrStale error = staleError{}
)

type staleError struct{}

func (staleError) Error() string        { return "changed by someone else meanwhile" }
func (staleError) Is(target error) bool { return target == ErrConflict }
