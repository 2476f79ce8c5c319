package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
)

// tmuxPane is one tmux window running a real OpenSSH client.
type tmuxPane struct {
	t      *testing.T
	sock   string
	target string
}

// tmuxSSH opens a tmux session running `ssh -t host args` with identity
// key, 120×40, on its own tmux server (socket in the test's directory).
func tmuxSSH(t *testing.T, sock, name, sshAddr, key string, args ...string) *tmuxPane {
	t.Helper()
	host, port, err := net.SplitHostPort(sshAddr)
	if err != nil {
		t.Fatal(err)
	}
	ssh := []string{"ssh", "-F", "/dev/null", "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"-i", key, "-t", "patchwork@" + host}
	ssh = append(ssh, args...)
	// The shell keeps the pane after ssh ends, so a failure stays readable.
	script := strings.Join(ssh, " ") + "; echo SSH-EXITED $?; sleep 600"
	cmd := exec.Command("tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(key), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	return &tmuxPane{t: t, sock: sock, target: name}
}

func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	args := append([]string{"-S", p.sock, "send-keys", "-t", p.target}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		p.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

func (p *tmuxPane) screen() string {
	p.t.Helper()
	out, err := exec.Command("tmux", "-S", p.sock, "capture-pane", "-p", "-t", p.target).Output()
	if err != nil {
		p.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

// waitFor polls the pane until want shows, for at most limit.
func (p *tmuxPane) waitFor(want string, limit time.Duration) (string, bool) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	var s string
	for {
		if s = p.screen(); strings.Contains(s, want) {
			return s, true
		}
		if time.Now().After(deadline) {
			return s, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *tmuxPane) mustSee(want string, limit time.Duration) string {
	p.t.Helper()
	s, ok := p.waitFor(want, limit)
	if !ok {
		p.t.Fatalf("pane %s: waiting for %q; screen:\n%s", p.target, want, s)
	}
	return s
}

// identity makes a user with a fresh ed25519 key through the admin
// commands and writes the key as an OpenSSH identity file.
func identity(t *testing.T, db, dir, name string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))
	relCLI(t, db, "user", "add", name, "--email", name+"@example.org", "--key", pub)
	relCLI(t, db, "user", "maintainer", name, "test")
	return path
}

// TestReplyEndToEndOpenSSH: a real `patchworkd serve` with its [smtp] on a
// test SMTP server; two OpenSSH clients in tmux show a patch; one presses
// t r and sees "sent"; the mail the SMTP server got, delivered by
// `patchworkd parsemail` as the list would, shows as a comment with
// Reviewed-by counted in the other session within a second.
func TestReplyEndToEndOpenSSH(t *testing.T) {
	for _, bin := range []string{"ssh", "tmux"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed", bin)
		}
	}
	smtpd := smtptest.Start(t)
	db := relNewDB(t, "sqlite")
	d := relServe(t, db, relHostKey(t), "PATCHWORK_SMTP_HOST="+smtpd.Host, "PATCHWORK_SMTP_PORT="+strconv.Itoa(smtpd.Port),
		"PATCHWORK_SMTP_DEFAULT_FROM_EMAIL=patchwork@pw.example.org")
	if r := relParsemail(t, db, relMarkerMail("e2e: review me", "<e2e-review@example.org>")); r.code != 0 {
		t.Fatalf("parsemail: exit %d\n%s", r.code, r.stderr)
	}
	st := relOpen(t, db)
	ctx := context.Background()
	proj, err := st.GetProjectByLinkName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.GetPatchByMsgID(ctx, proj.ID, "<e2e-review@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	alice, bob := identity(t, db, dir, "alice"), identity(t, db, dir, "bob")
	sock := filepath.Join(dir, "tmux.sock")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })

	a := tmuxSSH(t, sock, "alice", d.ssh, alice, strconv.FormatInt(p.ID, 10))
	b := tmuxSSH(t, sock, "bob", d.ssh, bob, strconv.FormatInt(p.ID, 10))
	a.mustSee("e2e: review me", 20*time.Second)
	b.mustSee("e2e: review me", 20*time.Second)

	a.keys("t")
	a.mustSee("trailer: r Reviewed-by", 10*time.Second)
	a.keys("r")
	a.mustSee("Reviewed-by sent to", 20*time.Second)
	msgs := smtpd.Wait(1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("the SMTP server got %d mails", len(msgs))
	}
	if got := strings.Join(msgs[0].To, " "); got != "rel@example.org test@example.com" || msgs[0].From != "patchwork@pw.example.org" {
		t.Errorf("envelope: from %s to %s", msgs[0].From, got)
	}
	if strings.Contains(b.screen(), "Reviewed-by: 1") {
		t.Fatalf("Reviewed-by counts before the list delivered it:\n%s", b.screen())
	}

	// The list delivers it back: its own header on top, as lists do.
	listCopy := append([]byte("List-Id: Test Project <"+relListID+">\r\n"), msgs[0].Data...)
	if r := relRun(t, relCmd(t, db, "parsemail"), listCopy); r.code != 0 {
		t.Fatalf("parsemail of the sent mail: exit %d\n%s", r.code, r.stderr)
	}
	delivered := time.Now()
	if s, ok := b.waitFor("Reviewed-by: 1", time.Second); !ok {
		t.Fatalf("bob's session does not count Reviewed-by a second after parsemail; screen:\n%s", s)
	}
	t.Logf("Reviewed-by counted in the second session %v after parsemail returned", time.Since(delivered).Round(time.Millisecond))

	cms, err := st.ListComments(ctx, store.CommentQuery{PatchID: p.ID})
	if err != nil || len(cms) != 1 || !strings.Contains(cms[0].Content, `Reviewed-by: "alice" <alice@example.org>`) {
		t.Fatalf("comments of the patch: %+v, %v", cms, err)
	}
	sent, err := st.ListSentMails(ctx, store.SentMailQuery{PatchID: p.ID})
	if err != nil || len(sent) != 1 || sent[0].CommentID != cms[0].ID || sent[0].MsgID != cms[0].MsgID {
		t.Fatalf("sent mail and its list copy: %+v, %v", sent, err)
	}
	a.keys("q")
	b.keys("q")
}

// TestProjectReplies: `project replies` shows the defaults, sets each
// setting alone, and refuses a bad thanks policy.
func TestProjectReplies(t *testing.T) {
	db := relNewDB(t, "sqlite")
	if out := relCLI(t, db, "project", "replies", "test"); out != "allow_replies: true\nthanks: ask\n" {
		t.Errorf("defaults: %q", out)
	}
	if out := relCLI(t, db, "project", "replies", "test", "--thanks", "always"); out != "allow_replies: true\nthanks: always\n" {
		t.Errorf("--thanks always: %q", out)
	}
	if out := relCLI(t, db, "project", "replies", "test", "--allow-replies=false"); out != "allow_replies: false\nthanks: always\n" {
		t.Errorf("--allow-replies=false: %q", out)
	}
	if r := relRun(t, relCmd(t, db, "project", "replies", "test", "--thanks", "sometimes"), nil); r.code == 0 || !strings.Contains(r.stderr, "want ask, always or never") {
		t.Errorf("bad policy: exit %d, %q", r.code, r.stderr)
	}
	cmd := relCmd(t, db, "serve", "--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "PATCHWORK_SMTP_REPLIES_PER_HOUR=0")
	if r := relRun(t, cmd, nil); r.code == 0 || !strings.Contains(r.stderr, "smtp.replies_per_hour: 0") {
		t.Errorf("replies_per_hour 0: exit %d, %q", r.code, r.stderr)
	}
}
