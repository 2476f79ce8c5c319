package ssh

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// offerOnlySigner presents someone else's public key but cannot make its
// signature: it signs with the attacker's own key, so the server's check
// fails and the client moves on to its next key. The server's public-key
// callback still saw (and accepted) the victim's key.
type offerOnlySigner struct {
	victim   gossh.PublicKey
	attacker gossh.Signer
}

func (s offerOnlySigner) PublicKey() gossh.PublicKey { return s.victim }

func (s offerOnlySigner) Sign(r io.Reader, data []byte) (*gossh.Signature, error) {
	return s.attacker.Sign(r, data)
}

// TestOfferedKeyBypass is the regression test for soft-serve's
// authentication bypass: offering the admin's key before authenticating
// with one's own must never make the session the admin's.
func TestOfferedKeyBypass(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	logs := &syncBuffer{}
	srv := startServer(t, st, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	id := f.patches[0].ID
	// The victim's key must really reach the public-key callback, or the
	// test proves nothing.
	offered := func(t *testing.T, k gossh.Signer) {
		t.Helper()
		if fp := gossh.FingerprintSHA256(k.PublicKey()); !strings.Contains(logs.String(), "public key offered fingerprint="+fp) {
			t.Fatalf("the victim's key %s was never offered to the server", fp)
		}
	}

	t.Run("registered attacker", func(t *testing.T) {
		c := dial(t, srv, offerOnlySigner{f.adminKey.PublicKey(), f.maintBKey}, f.maintBKey)
		r := runOn(t, c, "", "whoami").ok(t, "whoami")
		if !strings.Contains(r.out, "bob") || strings.Contains(r.out, "root") || strings.Contains(r.out, "Admin") {
			t.Fatalf("session attributed to the offered key:\n%s", r.out)
		}
		runOn(t, c, "", "set-state 1 accepted").fails(t, "set-state as bob", "permission denied")
		runOn(t, c, "", "user list").fails(t, "user list as bob", "not an admin")
		offered(t, f.adminKey)
	})

	t.Run("anonymous attacker", func(t *testing.T) {
		attacker := newKey(t)
		c := dial(t, srv, offerOnlySigner{f.maintAKey.PublicKey(), attacker}, attacker)
		r := runOn(t, c, "", "whoami").ok(t, "whoami")
		if !strings.Contains(r.out, "anonymous") || strings.Contains(r.out, "alice") {
			t.Fatalf("session attributed to the offered key:\n%s", r.out)
		}
		if !strings.Contains(r.out, gossh.FingerprintSHA256(attacker.PublicKey())) {
			t.Fatalf("whoami shows another key than the one that authenticated:\n%s", r.out)
		}
		runOn(t, c, "", "set-state 1 accepted").fails(t, "set-state as anonymous", "permission denied")
		offered(t, f.maintAKey)
	})
	if got := f.stateOf(t, id); got != "new" {
		t.Fatalf("patch state changed to %q by an attacker", got)
	}
}

// TestAnonymousOff: with anonymous access off, unknown keys and keyless
// clients are refused with a message saying why; registered users work.
func TestAnonymousOff(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, func(o *Options) { o.AllowAnonymous = false })

	run(t, srv, newKey(t), "", "projects").fails(t, "unknown key", "is not registered here")
	run(t, srv, nil, "", "projects").fails(t, "keyless", "connect with a key")
	run(t, srv, f.maintAKey, "", "projects").ok(t, "registered")
	// Registration stays reachable (and says it is off without a mailer).
	run(t, srv, newKey(t), "", "register --email new@example.org").fails(t, "register", "registration is disabled")
}

// TestHostKeyKept: the host key is created on first start and reused.
func TestHostKeyKept(t *testing.T) {
	st := sqltest.SQLite(t)
	path := t.TempDir() + "/deep/dir/host_ed25519"
	var keys [2]gossh.PublicKey
	for i := range keys {
		srv := startServer(t, st, func(o *Options) { o.HostKeyPath = path })
		c, err := gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
			User: "x",
			Auth: []gossh.AuthMethod{gossh.PublicKeys(newKey(t))},
			HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
				keys[i] = k
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = srv.Shutdown(ctx)
	}
	if keys[0] == nil || keys[0].Type() != gossh.KeyAlgoED25519 || !bytes.Equal(keys[0].Marshal(), keys[1].Marshal()) {
		t.Fatalf("host key changed between starts or is not ed25519: %v %v", keys[0], keys[1])
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("host key mode %v: readable by others", fi.Mode())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
