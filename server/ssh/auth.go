package ssh

import (
	"errors"
	"fmt"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
)

// fpExtension is the permissions extension where the public-key callback
// records the fingerprint of the key it accepted.
const fpExtension = "patchwork-pubkey-fp"

// identity is who a session belongs to, resolved once per session from the
// key that actually authenticated.
type identity struct {
	User          *store.User // nil: anonymous
	Fingerprint   string      // "" when the client authenticated without a key
	AuthorizedKey string      // "type base64" of that key
}

// Anonymous reports whether the session has no registered user.
func (id *identity) Anonymous() bool { return id.User == nil }

// Name is what logs and whoami print.
func (id *identity) Name() string {
	if id.User != nil {
		return id.User.Username
	}
	return "anonymous"
}

type ctxKey struct{ name string }

var identityKey = &ctxKey{"identity"}

// identityOf returns the session's identity; authMiddleware always sets it
// before any inner handler runs.
func identityOf(s ssh.Session) *identity {
	if id, ok := s.Context().Value(identityKey).(*identity); ok {
		return id
	}
	return &identity{}
}

// publicKeyHandler runs for every key the client offers, before the
// signature is checked, so it must not decide who the user is: it only
// records the fingerprint. Every key is accepted because unknown keys may
// still browse anonymously or register; authMiddleware decides.
func (s *Server) publicKeyHandler(ctx ssh.Context, pk ssh.PublicKey) bool {
	if pk == nil {
		return false
	}
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	fp := gossh.FingerprintSHA256(pk)
	perms.Extensions[fpExtension] = fp
	s.logger.Debug("public key offered", "fingerprint", fp, "addr", ctx.RemoteAddr().String())
	return true
}

// keyboardInteractiveHandler lets clients without any key in, asking
// nothing; authMiddleware then treats them as anonymous (or refuses them
// with a message saying why, which is friendlier than "Permission denied").
func (s *Server) keyboardInteractiveHandler(ssh.Context, gossh.KeyboardInteractiveChallenge) bool {
	return true
}

// authMiddleware attaches the session's identity, looked up from
// s.PublicKey(): the key whose signature the server verified, never a key
// that was merely offered. Unknown keys become anonymous read-only sessions
// when the server allows it; otherwise they may only register.
func (s *Server) authMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		id := &identity{}
		if pk := sess.PublicKey(); pk != nil {
			id.Fingerprint = gossh.FingerprintSHA256(pk)
			id.AuthorizedKey = authorizedKey(pk)
			// Defence in depth: the library takes the key from the
			// permissions of the successful callback; make sure it is the
			// one our callback saw last.
			if got := sess.Permissions().Extensions[fpExtension]; got != id.Fingerprint {
				s.logger.Warn("public key mismatch", "offered", got, "authenticated", id.Fingerprint, "addr", sess.RemoteAddr().String())
				fatal(sess, "permission denied")
				return
			}
			u, err := s.store.UserBySSHKey(sess.Context(), id.Fingerprint)
			switch {
			case err == nil && u.Active:
				id.User = u
			case err == nil:
				fatal(sess, fmt.Sprintf("the account %q is not active", u.Username))
				return
			case errors.Is(err, store.ErrNotFound):
			default:
				s.logger.Error("look up user by key", "fingerprint", id.Fingerprint, "err", err)
				fatal(sess, "the server cannot check your key right now, try again later")
				return
			}
		}
		if id.User != nil {
			// A registered user's connection may stay idle for longer.
			if tc := connOf(sess.Context()); tc != nil {
				tc.setIdle(s.opts.IdleTimeout)
			}
		}
		sess.Context().SetValue(identityKey, id)
		next(sess)
	}
}

// anonymousGate refuses unknown clients when anonymous access is off,
// except for the registration commands. It reads the command line, so it
// runs after the limits.
func (s *Server) anonymousGate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		id := identityOf(sess)
		if id.User == nil && !s.opts.AllowAnonymous && !registrationCommand(sess.Command()) {
			fatal(sess, s.refusal(id))
			return
		}
		next(sess)
	}
}

// refusal explains why an unknown client may not come in and what to do.
func (s *Server) refusal(id *identity) string {
	if id.Fingerprint == "" {
		return "patchwork: this server identifies users by SSH key and does not allow anonymous access; connect with a key"
	}
	msg := "patchwork: your key " + id.Fingerprint + " is not registered here and anonymous access is off"
	if s.opts.Mailer != nil {
		msg += "; register it with: ssh <host> register --email you@example.org"
	}
	return msg
}

// registrationCommand reports whether args is a command that unknown keys
// may run even when anonymous access is off.
func registrationCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "register", "confirm", "help", "--help", "-h":
		return true
	}
	return false
}

// authorizedKey renders a key in authorized_keys form without the newline.
func authorizedKey(pk gossh.PublicKey) string {
	b := gossh.MarshalAuthorizedKey(pk)
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return string(b)
}
