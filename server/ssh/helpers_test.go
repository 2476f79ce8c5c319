package ssh

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
)

// testClock is the fixed clock of the tests.
var testClock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// startServer builds the server with our own constructor and serves it on a
// loopback port until the test ends.
func startServer(t testing.TB, st store.Store, edit func(*Options)) *Server {
	t.Helper()
	opts := Options{
		HostKeyPath:    filepath.Join(t.TempDir(), "ssh", "host_ed25519"),
		Store:          st,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:        "http://patchwork.test",
		AllowAnonymous: true,
		IdleTimeout:    time.Minute,
		Now:            func() time.Time { return testClock },
	}
	if edit != nil {
		edit(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	// Serve records the listener on its own goroutine.
	waitFor(t, "the server to listen", func() bool { return srv.Addr() != nil })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil && !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv
}

// testKey is a signer that keeps its private key, so tests can also hand it
// to the OpenSSH client as an identity file.
type testKey struct {
	gossh.Signer
	priv ed25519.PrivateKey
}

// newKey makes an ed25519 signer (a testKey).
func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{Signer: s, priv: priv}
}

// dial connects as "patchwork" with the signers (none: keyboard-interactive).
func dial(t testing.TB, srv *Server, signers ...gossh.Signer) *gossh.Client {
	t.Helper()
	auth := []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return nil, nil
	})}
	if len(signers) > 0 {
		auth = []gossh.AuthMethod{gossh.PublicKeys(signers...)}
	}
	c, err := gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
		User:            "patchwork",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // test server on loopback
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// result is what a command printed and its exit status.
type result struct {
	out, err string
	code     int
}

// run runs one command line over a new SSH connection, feeding stdin.
func run(t testing.TB, srv *Server, signer gossh.Signer, stdin, cmd string) result {
	t.Helper()
	var signers []gossh.Signer
	if signer != nil {
		signers = append(signers, signer)
	}
	return runOn(t, dial(t, srv, signers...), stdin, cmd)
}

// runOn runs one command on an open connection.
func runOn(t testing.TB, c *gossh.Client, stdin, cmd string) result {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	sess.Stdin = strings.NewReader(stdin)
	err = sess.Run(cmd)
	r := result{out: out.String(), err: errb.String()}
	var ee *gossh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitStatus()
	default:
		t.Fatalf("run %q: %v (stderr %q)", cmd, err, r.err)
	}
	return r
}

// ok fails the test unless r succeeded.
func (r result) ok(t testing.TB, cmd string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d, stderr %q, stdout %q", cmd, r.code, r.err, r.out)
	}
	return r
}

// fails fails the test unless r exited 1 with want in stderr.
func (r result) fails(t testing.TB, cmd, want string) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.err, want) {
		t.Fatalf("%s: want exit 1 with %q on stderr, got exit %d, stderr %q, stdout %q", cmd, want, r.code, r.err, r.out)
	}
}

// fixture is a small instance: two projects, users with keys, patches.
type fixture struct {
	st                             store.Store
	projA, projB                   *store.Project
	admin, maintA, maintB          *store.User
	adminKey, maintAKey, maintBKey gossh.Signer
	series                         *store.Series
	patches                        []*store.Patch // in projA, series of 2; then one in projB
	states                         []store.State
}

func mustState(t testing.TB, states []store.State, slug string) store.State {
	t.Helper()
	st, ok := store.FindState(states, slug)
	if !ok {
		t.Fatalf("no state %q", slug)
	}
	return st
}

func newFixture(t testing.TB, st store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: st}
	var err error
	if f.states, err = st.ListStates(ctx); err != nil {
		t.Fatal(err)
	}
	f.projA = &store.Project{LinkName: "alpha", Name: "Alpha", ListID: "alpha.lists.test", ListEmail: "alpha@lists.test"}
	f.projB = &store.Project{LinkName: "beta", Name: "Beta", ListID: "beta.lists.test", ListEmail: "beta@lists.test"}
	for _, p := range []*store.Project{f.projA, f.projB} {
		if err := st.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	f.admin, f.adminKey = addUser(t, st, "root", true)
	f.maintA, f.maintAKey = addUser(t, st, "alice", false)
	f.maintB, f.maintBKey = addUser(t, st, "bob", false)
	if err := st.AddMaintainer(ctx, f.projA.ID, f.maintA.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMaintainer(ctx, f.projB.ID, f.maintB.ID); err != nil {
		t.Fatal(err)
	}
	sub, err := st.UpsertPerson(ctx, "jane@example.org", "Jane Doe", false)
	if err != nil {
		t.Fatal(err)
	}
	f.series = &store.Series{ProjectID: f.projA.ID, Name: "fix the frobnicator", Date: testClock.Add(-time.Hour), SubmitterID: sub.ID, Version: 1, Total: 2}
	if err := st.CreateSeries(ctx, f.series); err != nil {
		t.Fatal(err)
	}
	newState := mustState(t, f.states, "new")
	before := []string{"old", "new line 1"}
	for i, name := range []string{"[1/2] frob: add the frobnicator", "[2/2] frob: use it"} {
		p := &store.Patch{
			ProjectID: f.projA.ID, MsgID: "<frob-" + string(rune('1'+i)) + "@example.org>", Name: name,
			Date: testClock.Add(-time.Hour + time.Duration(i)*time.Minute), SubmitterID: sub.ID,
			Headers: "From: Jane Doe <jane@example.org>\nSubject: [PATCH " + string(rune('1'+i)) + "/2] " + name[6:] + "\n",
			Content: "Make frobbing faster.\n\nSigned-off-by: Jane Doe <jane@example.org>\n",
			// The series applies with git am on a frob.c holding "old".
			Diff:    "diff --git a/frob.c b/frob.c\n--- a/frob.c\n+++ b/frob.c\n@@ -1 +1 @@\n-" + before[i] + "\n+new line " + string(rune('1'+i)) + "\n",
			StateID: newState.ID, SeriesID: f.series.ID, Number: i + 1,
		}
		if err := st.CreatePatch(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		f.patches = append(f.patches, p)
	}
	pb := &store.Patch{ProjectID: f.projB.ID, MsgID: "<beta-1@example.org>", Name: "beta: tweak", Date: testClock.Add(-2 * time.Hour),
		SubmitterID: sub.ID, Headers: "Subject: [PATCH] beta: tweak\n", Content: "Tweak.\n", Diff: "diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n", StateID: newState.ID}
	if err := st.CreatePatch(ctx, pb, nil); err != nil {
		t.Fatal(err)
	}
	f.patches = append(f.patches, pb)
	return f
}

// addUser creates an active user with a fresh key.
func addUser(t testing.TB, st store.Store, name string, admin bool) (*store.User, gossh.Signer) {
	t.Helper()
	ctx := context.Background()
	u := &store.User{Username: name, Email: name + "@example.org", IsAdmin: admin, Active: true, DateJoined: testClock, SendEmail: true, ItemsPerPage: 100}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	if err := st.AddSSHKey(ctx, &store.SSHKey{UserID: u.ID, Type: k.PublicKey().Type(), Fingerprint: gossh.FingerprintSHA256(k.PublicKey()),
		Key: authorizedKey(k.PublicKey()), Created: testClock}); err != nil {
		t.Fatal(err)
	}
	return u, k
}

// stateOf reads a patch's state slug from the store.
func (f *fixture) stateOf(t testing.TB, id int64) string {
	t.Helper()
	p, err := f.st.GetPatch(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := store.StateByID(f.states, p.StateID)
	return st.Slug
}
