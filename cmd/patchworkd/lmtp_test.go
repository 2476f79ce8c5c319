package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// lmtpClient is one LMTP connection to a daemon, as an MTA holds it.
type lmtpClient struct {
	c *smtp.Client
}

// lmtpDial connects to the daemon's LMTP socket (a path) or address.
func lmtpDial(t testing.TB, addr string) *lmtpClient {
	t.Helper()
	network := "unix"
	if !strings.Contains(addr, "/") {
		network = "tcp"
	}
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	if err := c.Hello("mta.test"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &lmtpClient{c: c}
}

// send delivers one mail to rcpt and returns the reply's code and text;
// err is for the connection (the mail's fate unknown).
func (l *lmtpClient) send(raw []byte, rcpt string) (code int, text string, err error) {
	if err := l.c.Mail("list@example.org", nil); err != nil {
		return lmtpRefusal(err)
	}
	if err := l.c.Rcpt(rcpt, nil); err != nil {
		return lmtpRefusal(err)
	}
	w, err := l.c.Data()
	if err != nil {
		return lmtpRefusal(err)
	}
	if _, err := w.Write(raw); err != nil {
		return 0, "", err
	}
	resp, err := w.CloseWithLMTPResponse()
	if err != nil {
		var le smtp.LMTPDataError
		if errors.As(err, &le) {
			for _, e := range le {
				return e.Code, e.Message, nil
			}
		}
		return 0, "", err
	}
	for _, r := range resp {
		return 250, r.StatusText, nil
	}
	return 0, "", errors.New("no reply for the recipient")
}

func lmtpRefusal(err error) (int, string, error) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, se.Message, nil
	}
	return 0, "", err
}

// lmtpSendAll sends mails in order on one connection, each of which must
// be taken (250), and returns each one's milliseconds from MAIL to reply.
func lmtpSendAll(t testing.TB, addr string, mails []relMail) []float64 {
	t.Helper()
	l := lmtpDial(t, addr)
	ms := make([]float64, 0, len(mails))
	for _, m := range mails {
		start := time.Now()
		code, text, err := l.send(m.body(), "patchwork@localhost")
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		if err != nil || code != 250 {
			t.Fatalf("LMTP delivery of %s: %d %s %v", m.msgid, code, text, err)
		}
	}
	return ms
}

// lmtpServe is a `patchworkd serve` process taking mail over LMTP, which
// the test may kill -9.
type lmtpServe struct {
	cmd    *exec.Cmd
	log    *relOutput
	exited chan error
	tcp    string // the LMTP TCP address it bound
}

var lmtpServingRe = regexp.MustCompile(`msg="patchworkd serving" .* lmtp=(\S+)`)

// lmtpStartServe starts serve on db with its LMTP server on sock and on a
// loopback port, and waits until it serves.
func lmtpStartServe(t *testing.T, db, sock string) *lmtpServe {
	t.Helper()
	cmd := relCmd(t, db, "serve", "--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "PATCHWORK_LOG_LEVEL=info", "PATCHWORK_SSH_HOST_KEY_PATH="+filepath.Join(t.TempDir(), "host_key"),
		"PATCHWORK_MAIL_SOCKET="+sock, "PATCHWORK_LMTP_ADDR=127.0.0.1:0")
	ls := &lmtpServe{cmd: cmd, log: &relOutput{}, exited: make(chan error, 1)}
	pr, pw := io.Pipe()
	cmd.Stdout = ls.log
	cmd.Stderr = io.MultiWriter(ls.log, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { ls.exited <- cmd.Wait(); pw.Close() }()
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := lmtpServingRe.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		if ls.cmd.ProcessState == nil {
			_ = ls.cmd.Process.Kill()
		}
	})
	select {
	case a := <-addrs:
		parts := strings.Split(a, ",")
		ls.tcp = parts[len(parts)-1]
	case err := <-ls.exited:
		t.Fatalf("serve exited before serving: %v\n%s", err, ls.log.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start:\n%s", ls.log.String())
	}
	return ls
}

// stop ends serve with SIGTERM, which must exit 0.
func (ls *lmtpServe) stop(t *testing.T) {
	t.Helper()
	_ = ls.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-ls.exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, relTail(ls.log.String()))
		}
	case <-time.After(time.Minute):
		t.Errorf("serve did not stop on SIGTERM")
	}
}

// TestLMTPDelivery: an MTA delivering over LMTP to serve, on the Unix
// socket and on TCP, gets the same database as parsearchive of the same
// mails; recipients naming a list id (+extension) get their own replies;
// a second delivery is a 250 duplicate; a project added while serve runs
// takes mail at once.
func TestLMTPDelivery(t *testing.T) {
	t.Parallel()
	mails := relCorpus(t)[:120]
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "first.mbox", mails))
	want := relSnapshot(t, clean)
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := relNewDB(t, d)
			sock := filepath.Join(t.TempDir(), "lmtp.sock")
			ls := lmtpStartServe(t, db, sock)
			onSock, onTCP := lmtpDial(t, sock), lmtpDial(t, ls.tcp)
			for k, m := range mails {
				c := onSock
				if k%2 == 1 {
					c = onTCP
				}
				if code, text, err := c.send(m.body(), "patchwork@localhost"); err != nil || code != 250 {
					t.Fatalf("mail %s: %d %s %v", m.msgid, code, text, err)
				}
			}
			relSameAs(t, d+" over LMTP", relSnapshot(t, db), want)
			if code, text, err := onTCP.send(mails[3].body(), "patchwork@localhost"); err != nil || code != 250 || !strings.Contains(text, "duplicate") {
				t.Errorf("second delivery: %d %q %v, want a 250 duplicate", code, text, err)
			}

			// A project created now (another process) takes its mail at
			// once, with per-recipient replies for two list ids.
			relCLI(t, db, "project", "add", "--linkname", "late", "--name", "Late",
				"--listid", "late.example.org", "--listemail", "late@example.org")
			late := []byte("From: Ann <ann@example.org>\nTo: late@example.org\nSubject: [PATCH] late: fix\n" +
				"Message-Id: <late-1@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nfix\n---\n" +
				"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n")
			got := lmtpSendMulti(t, onSock, late, "patchwork+late.example.org@localhost", "patchwork+nowhere.example.org@localhost")
			if !strings.HasPrefix(got["patchwork+late.example.org@localhost"], "250 ") ||
				!strings.Contains(got["patchwork+late.example.org@localhost"], "patch") {
				t.Errorf("mail to the new project: %v", got)
			}
			if !strings.HasPrefix(got["patchwork+nowhere.example.org@localhost"], "250 ") ||
				!strings.Contains(got["patchwork+nowhere.example.org@localhost"], "dropped") {
				t.Errorf("mail to a list id of no project: %v, want a 250 dropped", got)
			}
			ls.stop(t)
		})
	}
}

// lmtpSendMulti sends one mail to several recipients and returns each
// one's reply ("code text").
func lmtpSendMulti(t *testing.T, l *lmtpClient, raw []byte, rcpts ...string) map[string]string {
	t.Helper()
	if err := l.c.Mail("list@example.org", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range rcpts {
		if err := l.c.Rcpt(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, err := l.c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	resp, err := w.CloseWithLMTPResponse()
	var le smtp.LMTPDataError
	if err != nil && !errors.As(err, &le) {
		t.Fatal(err)
	}
	for r, d := range resp {
		out[r] = "250 " + d.StatusText
	}
	for r, e := range le {
		out[r] = fmt.Sprintf("%d %s", e.Code, e.Message)
	}
	return out
}

// TestLMTPPython: Python's smtplib.LMTP, as another independent client,
// delivers over the Unix socket (one recipient through sendmail, two
// with a reply each read after DATA) and gets a 250 per recipient; SIZE
// is announced.
func TestLMTPPython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIP: python3 not installed")
	}
	db := relNewDB(t, "sqlite")
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	ls := lmtpStartServe(t, db, sock)
	mails := relCorpus(t)[:20]
	dir := t.TempDir()
	var paths []string
	for k, m := range mails {
		p := filepath.Join(dir, fmt.Sprintf("%02d.eml", k))
		if err := os.WriteFile(p, m.body(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	script := `
import smtplib, sys
c = smtplib.LMTP(sys.argv[1])
code, _ = c.ehlo("python.test")
assert code == 250, code
print("SIZE", c.esmtp_features.get("size", ""))
rcpts = ["patchwork@localhost", "patchwork+test.example.com@localhost"]
for k, p in enumerate(sys.argv[2:]):
    with open(p, "rb") as f:
        msg = f.read()
    if k % 2 == 0:
        # smtplib's sendmail reads one reply after DATA: one recipient.
        refused = c.sendmail("list@example.org", rcpts[:1], msg)
        print("REFUSED" if refused else "OK", p)
        continue
    # Two recipients: LMTP answers each after DATA, in order.
    c.mail("list@example.org")
    for r in rcpts:
        code, _ = c.rcpt(r)
        assert code == 250, code
    first, _ = c.data(msg)
    second, _ = c.getreply()
    print("OK" if (first, second) == (250, 250) else "REFUSED %d %d" % (first, second), p)
c.quit()
`
	out, err := exec.Command(py, append([]string{"-c", script, sock}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python smtplib.LMTP: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("SIZE %d", 64<<20)) {
		t.Errorf("SIZE not announced as 64 MiB:\n%s", out)
	}
	if n := strings.Count(string(out), "\nOK "); n != len(mails) {
		t.Errorf("%d mails taken, want %d:\n%s", n, len(mails), out)
	}
	s := relSnapshot(t, db)
	if got := s.counts.Patches + s.counts.Covers + s.counts.Comments; got == 0 || len(s.dups) != 0 {
		t.Errorf("after Python's deliveries: %+v, duplicates %v", s.counts, s.dups)
	}
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "py.mbox", mails))
	relSameAs(t, "Python's LMTP deliveries", s, relSnapshot(t, clean))
	ls.stop(t)
}

// TestReliabilityLMTPKill (issue 19 item 2): an MTA delivers over one LMTP
// connection, retrying whatever was not answered 250; serve is killed
// with SIGKILL in the middle and started again. Every mail ends up stored
// exactly once: what parsearchive stores of the same mails.
func TestReliabilityLMTPKill(t *testing.T) {
	t.Parallel()
	mails := relCorpus(t)[:400]
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "kill.mbox", mails))
	want := relSnapshot(t, clean)
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := relNewDB(t, d)
			sock := filepath.Join(t.TempDir(), "lmtp.sock")
			ls := lmtpStartServe(t, db, sock)
			var l *lmtpClient
			killSent, killed, retries := false, false, 0
			for k := 0; k < len(mails); {
				if !killSent && k == len(mails)/3 {
					killSent = true
					// Kill while a mail is on its way: sent, not answered.
					go func() {
						time.Sleep(time.Millisecond)
						_ = ls.cmd.Process.Signal(syscall.SIGKILL)
					}()
				}
				if l == nil {
					conn, err := net.DialTimeout("unix", sock, time.Second)
					if err != nil {
						if killed {
							t.Fatalf("no daemon after the restart: %v", err)
						}
						killed = true
						<-ls.exited
						ls = lmtpStartServe(t, db, sock)
						continue
					}
					l = &lmtpClient{c: smtp.NewClientLMTP(conn)}
					if err := l.c.Hello("mta.test"); err != nil {
						l.c.Close()
						l = nil
						retries++
						continue
					}
				}
				code, text, err := l.send(mails[k].body(), "patchwork@localhost")
				switch {
				case err != nil || code/100 == 4:
					// Not acknowledged: the MTA keeps the mail and retries.
					l.c.Close()
					l = nil
					retries++
					continue
				case code != 250:
					t.Fatalf("mail %s: %d %s", mails[k].msgid, code, text)
				}
				k++
			}
			if !killed {
				t.Fatal("serve was never killed")
			}
			t.Logf("%s: %d retries after the kill", d, retries)
			relSameAs(t, d+" after kill -9 of serve", relSnapshot(t, db), want)
			l.c.Close()
			ls.stop(t)
		})
	}
}
