package main

// Scale out (issue 9): several serve processes on one PostgreSQL database
// behave as one service.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	sshserver "github.com/patchwork-go/patchwork/server/ssh"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// relMarkerMail is a one-patch mail with a subject no corpus mail has.
func relMarkerMail(subject, msgid string) relMail {
	raw := "From: Reliability Tester <rel@example.org>\n" +
		"To: test@example.com\n" +
		"Subject: [PATCH] " + subject + "\n" +
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\n" +
		"Message-Id: " + msgid + "\n" +
		"List-Id: Test Project <test.example.com>\n" +
		"\n" +
		"A patch to see across processes.\n" +
		"\n" +
		"Signed-off-by: Reliability Tester <rel@example.org>\n" +
		"---\n" +
		"diff --git a/README b/README\n" +
		"index 1111111..2222222 100644\n" +
		"--- a/README\n" +
		"+++ b/README\n" +
		"@@ -1 +1,2 @@\n" +
		" hello\n" +
		"+world\n"
	return relMail{msgid: msgid, raw: []byte(raw)}
}

// TestReliabilityScaleOut: two serve processes start at once on one empty
// PostgreSQL database (both migrate: one waits for the other), share one
// host key file, and each has a TUI session
// open; a mail comes in through a third process and both screens show it;
// a state change made over SSH on one daemon shows on the other's screen
// and in its REST API.
func TestReliabilityScaleOut(t *testing.T) {
	db := relEmptyDB(t, "postgres")
	// One key for the service, made before the first start as the README
	// tells operators (TestReliabilityHostKeyFirstStart covers the race when
	// it is not).
	hostKey := relHostKey(t)
	starting := []*relStarting{relStartServe(t, db, hostKey), relStartServe(t, db, hostKey)}
	a, b := starting[0].wait(t), starting[1].wait(t)

	relCLI(t, db, "project", "add", "--linkname", "test", "--name", "Test Project",
		"--listid", relListID, "--listemail", "test@example.com")
	alice := relAddMaintainer(t, db, "alice")

	ca, keyA := relDial(t, a.ssh, alice)
	cb, keyB := relDial(t, b.ssh, alice)
	if !bytes.Equal(keyA.Marshal(), keyB.Marshal()) {
		t.Errorf("the two daemons show different host keys (%s, %s): clients behind one address would refuse one of them",
			gossh.FingerprintSHA256(keyA), gossh.FingerprintSHA256(keyB))
	}

	// A TUI on each, on the project's patch list (the server's only one).
	ta, tb := relOpenTUI(t, ca, 120, 40), relOpenTUI(t, cb, 120, 40)
	for _, term := range []*relTerm{ta, tb} {
		// The server's one project opens at once.
		term.waitFor(t, 0, "no patches match")
	}
	fromA, fromB := ta.mark(), tb.mark()

	// The mail arrives through a third process.
	subject := "scale: seen by every daemon"
	m := relMarkerMail(subject, "<scale-out-1@example.org>")
	if r := relParsemail(t, db, m); r.code != 0 {
		t.Fatalf("parsemail: exit %d\n%s", r.code, r.stderr)
	}
	ta.waitFor(t, fromA, subject)
	tb.waitFor(t, fromB, subject)

	// B's session opens the patch; the change is made through A.
	var listed []struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	if err := json.Unmarshal([]byte(relSSHRun(t, cb, "list test --json")), &listed); err != nil || len(listed) != 1 {
		t.Fatalf("list on B: %v, %+v", err, listed)
	}
	id := listed[0].ID
	tb.send(t, "\r")
	tb.waitFor(t, fromB, "A patch to see across processes.")
	fromB = tb.mark()
	out := relSSHRun(t, ca, fmt.Sprintf("set-state %d accepted", id))
	if !strings.Contains(out, "Accepted") {
		t.Fatalf("set-state on A: %q", out)
	}
	tb.waitFor(t, fromB, "Accepted")

	// REST on B agrees without any wait: no cache stands between B and
	// the database.
	resp, err := http.Get(fmt.Sprintf("http://%s/api/patches/%d/", b.http, id))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.State != "accepted" {
		t.Fatalf("REST on B after the change on A: %d %s", resp.StatusCode, body)
	}
}

// TestReliabilityHostKeyFirstStart: daemons of one service started
// together on shared storage, with no host key yet, must all come up and
// all show the same key. Eight servers are built at once in this process
// to make the race between "file missing" and "file written" likely.
func TestReliabilityHostKeyFirstStart(t *testing.T) {
	st := sqltest.SQLite(t)
	path := filepath.Join(t.TempDir(), "host_ed25519")
	const n = 8
	servers := make([]*sshserver.Server, n)
	errs := make([]error, n)
	relParallel(n, n, func(i int) {
		servers[i], errs[i] = sshserver.New(sshserver.Options{Addr: "127.0.0.1:0", HostKeyPath: path, Store: st, AllowAnonymous: true})
	})
	var keys []string
	for i, srv := range servers {
		if errs[i] != nil {
			t.Errorf("server %d of %d started together: %v", i, n, errs[i])
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
		var shown gossh.PublicKey
		cfg := &gossh.ClientConfig{
			User: "anyone",
			HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
				shown = k
				return nil
			},
			Timeout: 30 * time.Second,
		}
		if c, err := gossh.Dial("tcp", ln.Addr().String(), cfg); err == nil {
			c.Close()
		}
		if shown == nil {
			t.Fatalf("server %d showed no host key", i)
		}
		keys = append(keys, gossh.FingerprintSHA256(shown))
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(onDisk)
	if err != nil {
		t.Fatalf("host key file after %d concurrent starts: %v", n, err)
	}
	want := gossh.FingerprintSHA256(signer.PublicKey())
	for i, k := range keys {
		if k != want {
			t.Errorf("server %d shows host key %s, the file holds %s", i, k, want)
		}
	}
}

// relHostKey writes a new ed25519 host key in OpenSSH form.
func relHostKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "host_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
