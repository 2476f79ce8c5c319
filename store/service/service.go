// Package service holds every operation a user can do on patchwork-go,
// each with its permission check and its input validation written once:
// accounts (users, passwords, SSH keys, tokens, opt-outs, maintainers),
// patch changes, bundles, checks and projects. The TUI, the SSH command
// line, REST, XML-RPC, the web and the patchworkd admin commands call it
// and only decode their protocol and render its answers (soft-serve's
// pkg/backend plays this part there).
//
// It sits above the store and below every front end: it imports store
// and never server, tui, mailin or cmd.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Options configures a Service.
type Options struct {
	// Now is the clock (dates of users, keys, checks, confirmations);
	// time.Now when nil.
	Now func() time.Time
	// Mail is how users' mail goes out (replies, trailers, thanks).
	Mail MailOptions
	// Limits bound password checks and registrations; nil is
	// DefaultLimits.
	Limits *Limits
}

// Service is the operations over one store.
type Service struct {
	st   store.Store
	now  func() time.Time
	mail MailOptions
	auth *authState // shared by every copy (InTx, With)
}

// New returns the service over st.
func New(st store.Store, opts Options) *Service {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	limits := DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	return &Service{st: st, now: now, mail: opts.Mail.withDefaults(), auth: newAuthState(limits)}
}

// Store is the store the service writes to, for the reads front ends do
// themselves.
func (s *Service) Store() store.Store { return s.st }

// InTx runs fn with a service whose operations all happen in one
// transaction (a REST request changing a patch and its relations).
func (s *Service) InTx(ctx context.Context, fn func(*Service) error) error {
	return s.st.InTx(ctx, func(tx store.Store) error {
		return fn(&Service{st: tx, now: s.now, mail: s.mail, auth: s.auth})
	})
}

// With is the service over another store (a transaction the caller runs).
func (s *Service) With(st store.Store) *Service {
	return &Service{st: st, now: s.now, mail: s.mail, auth: s.auth}
}

// clock is the service's time in UTC.
func (s *Service) clock() time.Time { return s.now().UTC() }

// LocalAdmin is the actor of the patchworkd admin commands: whoever may
// run them on the server's machine may do everything. Its id is 0, so the
// events it causes are the system's.
func LocalAdmin() *store.User {
	return &store.User{Username: "(local admin)", IsAdmin: true, Active: true}
}

// Error is a refusal meant for the person who asked: Msg reads as a
// sentence on its own; Kind is the store sentinel it is (ErrInvalid,
// ErrForbidden, ErrConflict, ErrNotFound) or one of the service's own
// (ErrRateLimited, ErrBadLogin), which front ends map to a
// status, a fault or an exit code.
type Error struct {
	Kind error
	Msg  string
	// RetryAfter is, for ErrRateLimited, how long to wait.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Msg }

// Unwrap lets errors.Is see the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

func invalidf(format string, args ...any) error {
	return &Error{Kind: store.ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

func forbiddenf(format string, args ...any) error {
	return &Error{Kind: store.ErrForbidden, Msg: fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &Error{Kind: store.ErrConflict, Msg: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Message is what a person reads for err: a service refusal as it is,
// anything else by its own text.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// needUser refuses anonymous and deactivated actors.
func needUser(actor *store.User) error {
	if actor == nil {
		return forbiddenf("permission denied: anonymous sessions are read-only (your key is not registered)")
	}
	if !actor.Active {
		return forbiddenf("permission denied: %s is not active", actor.Username)
	}
	return nil
}

// needAdmin refuses everyone but admins.
func needAdmin(actor *store.User) error {
	if err := needUser(actor); err != nil {
		return err
	}
	if !actor.IsAdmin {
		return forbiddenf("permission denied: %s is not an admin", actor.Username)
	}
	return nil
}

// RequireUser is the refusal of anonymous and deactivated actors, for
// front ends that must know before they ask for more input.
func RequireUser(actor *store.User) error { return needUser(actor) }

// RequireAdmin is the refusal of everyone but admins, for front ends that
// must know before they ask for more input.
func RequireAdmin(actor *store.User) error { return needAdmin(actor) }

// Or is svc, or when it is nil a new service over st on the clock now
// (nil: time.Now): a front end built without the daemon's service (a
// test, a tool) makes its own.
func Or(svc *Service, st store.Store, now func() time.Time) *Service {
	if svc != nil {
		return svc
	}
	return New(st, Options{Now: now})
}
