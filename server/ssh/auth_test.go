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

// TestOfferedKeyBypass is the regression test for soft-serve's
// authentication bypass (GHSA-pchf-49fh-w34r): a client offers the admin's
// public key (the server's public-key callback sees and accepts it), cannot
// sign with it, and then authenticates with its own key. The session must
// belong to the key that signed, never to the one only offered.
func TestOfferedKeyBypass(t *testing.T) {
	opensshBinary(t)
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
		fp := gossh.FingerprintSHA256(k.PublicKey())
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `msg="public key offered"`) && strings.Contains(line, " fingerprint="+fp+" ") {
				return
			}
		}
		t.Fatalf("the victim's key %s was never offered to the server:\n%s", fp, logs.String())
	}
	keys := t.TempDir()

	t.Run("registered attacker", func(t *testing.T) {
		args := opensshArgs(t, srv, identityFile(t, keys, "root", f.adminKey, true), identityFile(t, keys, "bob", f.maintBKey, false))
		r := openssh(t, args, "whoami")
		if r.code != 0 || !strings.Contains(r.out, "bob") || strings.Contains(r.out, "root") || strings.Contains(r.out, "Admin") {
			t.Fatalf("whoami: exit %d, stderr %q, session attributed to the offered key:\n%s", r.code, r.err, r.out)
		}
		openssh(t, args, "set-state "+itoa(id)+" accepted").fails(t, "set-state as bob", "permission denied")
		openssh(t, args, "user list").fails(t, "user list as bob", "not an admin")
		offered(t, f.adminKey)
	})

	t.Run("anonymous attacker", func(t *testing.T) {
		attacker := newKey(t)
		args := opensshArgs(t, srv, identityFile(t, keys, "alice", f.maintAKey, true), identityFile(t, keys, "attacker", attacker, false))
		r := openssh(t, args, "whoami")
		if r.code != 0 || !strings.Contains(r.out, "anonymous") || strings.Contains(r.out, "alice") {
			t.Fatalf("whoami: exit %d, stderr %q, session attributed to the offered key:\n%s", r.code, r.err, r.out)
		}
		if !strings.Contains(r.out, gossh.FingerprintSHA256(attacker.PublicKey())) {
			t.Fatalf("whoami shows another key than the one that authenticated:\n%s", r.out)
		}
		openssh(t, args, "set-state "+itoa(id)+" accepted").fails(t, "set-state as anonymous", "permission denied")
		offered(t, f.maintAKey)
	})
	if got := f.stateOf(t, id); got != "new" {
		t.Fatalf("patch state changed to %q by an attacker", got)
	}
}

// forgedSigner presents someone else's public key and signs with its own
// private key.
type forgedSigner struct {
	victim   gossh.PublicKey
	attacker gossh.Signer
}

func (s forgedSigner) PublicKey() gossh.PublicKey { return s.victim }

func (s forgedSigner) Sign(r io.Reader, data []byte) (*gossh.Signature, error) {
	return s.attacker.Sign(r, data)
}

// TestForgedSignature: a signature by another key than the one presented
// ends the connection before any session exists (the Go client signs every
// key the server accepts, so this is what it can try).
func TestForgedSignature(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	_, err := gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
		User:            "patchwork",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(forgedSigner{f.adminKey.PublicKey(), f.maintBKey}, f.maintBKey)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // test server on loopback
	})
	if err == nil {
		t.Fatal("a connection with a forged signature was accepted")
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
