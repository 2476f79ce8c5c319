package main

// Helpers for tests that run `patchworkd serve` processes and talk to them
// as users do: SSH (golang.org/x/crypto/ssh, with and without a PTY) and
// HTTP.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// relDaemon is one running `patchworkd serve`.
type relDaemon struct {
	http, ssh string // host:port
	log       *relOutput
}

var relServingRe = regexp.MustCompile(`msg="patchworkd serving" http=(\S+) ssh=(\S+)`)

// relServe starts `patchworkd serve` on loopback ports of its choosing and
// waits until it serves (it migrates db first). It is stopped with SIGTERM
// when the test ends, and must then exit 0.
func relServe(t *testing.T, db, hostKey string, env ...string) *relDaemon {
	t.Helper()
	return relStartServe(t, db, hostKey, env...).wait(t)
}

// relStarting is a serve process not known to serve yet.
type relStarting struct {
	cmd    *exec.Cmd
	d      *relDaemon
	addrs  chan []string
	exited chan error
}

// relStartServe starts serve without waiting (to start several at once).
func relStartServe(t *testing.T, db, hostKey string, env ...string) *relStarting {
	t.Helper()
	return relStartServeBin(t, os.Args[0], db, hostKey, env...)
}

// relStartServeBin is relStartServe with another build of patchworkd.
func relStartServeBin(t *testing.T, bin, db, hostKey string, env ...string) *relStarting {
	t.Helper()
	cmd := relCmdBin(t, bin, db, "serve", "--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "PATCHWORK_LOG_LEVEL=info", "PATCHWORK_SSH_HOST_KEY_PATH="+hostKey)
	cmd.Env = append(cmd.Env, env...)
	pr, pw := io.Pipe()
	st := &relStarting{cmd: cmd, d: &relDaemon{log: &relOutput{}}, addrs: make(chan []string, 1), exited: make(chan error, 1)}
	cmd.Stdout = st.d.log
	cmd.Stderr = io.MultiWriter(st.d.log, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { st.exited <- cmd.Wait(); pw.Close() }()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := relServingRe.FindStringSubmatch(sc.Text()); m != nil {
				st.addrs <- m[1:]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-st.exited:
			if err != nil {
				t.Errorf("serve on %s after SIGTERM: %v\n%s", st.d.http, err, relTail(st.d.log.String()))
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Errorf("serve on %s did not stop on SIGTERM", st.d.http)
		}
	})
	return st
}

// wait returns the daemon once it serves.
func (st *relStarting) wait(t *testing.T) *relDaemon {
	t.Helper()
	select {
	case a := <-st.addrs:
		st.d.http, st.d.ssh = a[0], a[1]
		return st.d
	case err := <-st.exited:
		st.exited <- err
		t.Fatalf("serve exited before serving: %v\n%s", err, st.d.log.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start:\n%s", st.d.log.String())
	}
	return nil
}

// relCLI runs an admin command to success and returns its stdout.
func relCLI(t *testing.T, db string, args ...string) string {
	t.Helper()
	r := relRun(t, relCmd(t, db, args...), nil)
	if r.code != 0 {
		t.Fatalf("patchworkd %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// relUser is an account with an SSH key and a REST token.
type relUser struct {
	name   string
	signer gossh.Signer
	token  string
}

// relAddMaintainer creates a user maintaining the corpus's project, with
// a fresh SSH key and a REST token, through the admin commands.
func relAddMaintainer(t *testing.T, db, name string) relUser {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
	relCLI(t, db, "user", "add", name, "--email", name+"@example.org", "--key", pub)
	relCLI(t, db, "user", "maintainer", name, "test")
	tok := strings.TrimSpace(relCLI(t, db, "user", "token", name))
	return relUser{name: name, signer: signer, token: tok}
}

// relDial opens an SSH connection as u and reports the host key the
// server showed.
func relDial(t *testing.T, addr string, u relUser) (*gossh.Client, gossh.PublicKey) {
	t.Helper()
	var hostKey gossh.PublicKey
	cfg := &gossh.ClientConfig{
		User: u.name,
		Auth: []gossh.AuthMethod{gossh.PublicKeys(u.signer)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			hostKey = k
			return nil
		},
		Timeout: 30 * time.Second,
	}
	c, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("ssh %s as %s: %v", addr, u.name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, hostKey
}

// relSSHRun runs one command (no PTY) and returns its stdout.
func relSSHRun(t *testing.T, c *gossh.Client, command string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	if err := s.Run(command); err != nil {
		t.Fatalf("ssh %q: %v\nstdout: %s\nstderr: %s", command, err, out.String(), errb.String())
	}
	return out.String()
}

// relTerm is an interactive session with a PTY (the TUI).
type relTerm struct {
	sess  *gossh.Session
	stdin io.Writer
	out   *relOutput
}

func relOpenTUI(t *testing.T, c *gossh.Client, w, h int) *relTerm {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty: %v", err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	term := &relTerm{sess: s, stdin: in, out: &relOutput{}}
	s.Stdout, s.Stderr = term.out, term.out
	if err := s.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	return term
}

// screenSince is the text received after byte offset from, escape
// sequences removed.
func (r *relTerm) screenSince(from int) string {
	s := r.out.String()
	if from > len(s) {
		from = len(s)
	}
	return ansi.Strip(s[from:])
}

func (r *relTerm) mark() int { return len(r.out.String()) }

// waitFor waits until the text received since from holds want.
func (r *relTerm) waitFor(t *testing.T, from int, want string) {
	t.Helper()
	relWaitFor(t, fmt.Sprintf("%q on the screen", want), 30*time.Second, func() bool {
		return strings.Contains(r.screenSince(from), want)
	})
}

func (r *relTerm) send(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(r.stdin, keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// relEmptyDB creates a database with no schema at all (sqltest's are
// migrated) and drops it when the test ends. Its name follows sqltest's
// pattern, so a killed run's leftover is swept by the next.
func relEmptyDB(t *testing.T, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + t.TempDir() + "/empty.db"
	}
	admin := os.Getenv(sqltest.Env[dialect])
	if admin == "" {
		sqltest.URL(t, dialect) // skips, or fails under CI
		return ""
	}
	admStore, err := sqlstore.Open(context.Background(), admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admStore.Close() })
	db := admStore.DB()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("pwtest_rel_%d_%x", os.Getpid(), rnd)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		q := "DROP DATABASE IF EXISTS " + name
		if dialect == "postgres" {
			q += " WITH (FORCE)"
		}
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
