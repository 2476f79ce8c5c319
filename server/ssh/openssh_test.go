package ssh

import (
	"bytes"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// The tests in this file drive the system OpenSSH client, which behaves in
// ways the Go client cannot be made to: it offers a key it holds only the
// public half of (the server says "ok", the client then fails to load the
// private key and moves on to the next identity), exactly what the
// offered-key bypass needs.

// opensshBinary is the path of ssh(1), or skips the test.
func opensshBinary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("the OpenSSH client (ssh) is not installed")
	}
	return p
}

// identityFile writes key as an OpenSSH identity in dir under name: the
// private key file and name.pub. With offerOnly the private key is
// encrypted with a passphrase the client is never given, so ssh(1) offers
// the public key, cannot sign (BatchMode forbids asking), and moves on to
// its next identity: on the wire, an offer of a key the client does not hold.
func identityFile(t testing.TB, dir, name string, key gossh.Signer, offerOnly bool) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(key.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	tk, ok := key.(testKey)
	if !ok {
		t.Fatalf("identity: %T is not a testKey", key)
	}
	var block *pem.Block
	var err error
	if offerOnly {
		block, err = gossh.MarshalPrivateKeyWithPassphrase(tk.priv, "", []byte("not given to the client"))
	} else {
		block, err = gossh.MarshalPrivateKey(tk.priv, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// opensshArgs are the arguments of an ssh(1) run against srv that reads no
// user configuration, uses no agent and only the given identity files (in
// order), and never prompts.
func opensshArgs(t testing.TB, srv *Server, identities ...string) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	args := []string{
		"-F", "/dev/null", "-p", port,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
	}
	for _, id := range identities {
		args = append(args, "-i", id)
	}
	return append(args, "patchwork@"+host)
}

// openssh runs ssh(1) with args and the remote command cmd.
func openssh(t testing.TB, args []string, cmd string) result {
	t.Helper()
	c := exec.Command(opensshBinary(t), append(args, cmd)...)
	c.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	r := result{out: out.String(), err: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("ssh %q: %v", cmd, err)
	}
	return r
}

// TestOpenSSHSeriesGitAm: `ssh -p PORT host series N --mbox | git am`
// applies the series to a real repository.
func TestOpenSSHSeriesGitAm(t *testing.T) {
	opensshBinary(t)
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	keys := t.TempDir()
	args := opensshArgs(t, srv, identityFile(t, keys, "alice", f.maintAKey, false))

	repo := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		c := exec.Command(gitBin, args...)
		c.Dir = repo
		c.Env = append(os.Environ(), "HOME="+repo, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.org",
			"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.org")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(repo, "frob.c"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "frob.c")
	git("commit", "-q", "-m", "base")

	// A real pipe between the two processes, as a shell would make it.
	sshCmd := exec.Command(opensshBinary(t), append(args, "series", itoa(f.series.ID), "--mbox")...)
	sshCmd.Env = append(os.Environ(), "HOME="+keys)
	var sshErr bytes.Buffer
	sshCmd.Stderr = &sshErr
	am := exec.Command(gitBin, "am")
	am.Dir = repo
	am.Env = append(os.Environ(), "HOME="+repo, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.org")
	pipe, err := sshCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	am.Stdin = pipe
	var amOut bytes.Buffer
	am.Stdout, am.Stderr = &amOut, &amOut
	if err := sshCmd.Start(); err != nil {
		t.Fatal(err)
	}
	amErr := am.Run()
	if err := sshCmd.Wait(); err != nil {
		t.Fatalf("ssh series --mbox: %v\n%s", err, sshErr.String())
	}
	if amErr != nil {
		t.Fatalf("git am: %v\n%s", amErr, amOut.String())
	}

	if got := git("log", "--format=%s|%an <%ae>", "-2"); got != "frob: use it|Jane Doe <jane@example.org>\nfrob: add the frobnicator|Jane Doe <jane@example.org>\n" {
		t.Errorf("git log after am:\n%s", got)
	}
	b, err := os.ReadFile(filepath.Join(repo, "frob.c"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "new line 2\n" {
		t.Errorf("frob.c after am = %q", b)
	}
}

// TestOpenSSHErrors: a failing command exits 1 with the message on stderr
// and nothing on stdout, through the real client.
func TestOpenSSHErrors(t *testing.T) {
	opensshBinary(t)
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	args := opensshArgs(t, srv, identityFile(t, t.TempDir(), "bob", f.maintBKey, false))

	r := openssh(t, args, "show 999999")
	if r.code != 1 || !strings.Contains(r.err, "not found") || r.out != "" {
		t.Fatalf("show 999999: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}
	r = openssh(t, args, "whoami")
	if r.code != 0 || !strings.Contains(r.out, "bob") {
		t.Fatalf("whoami: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}
}
