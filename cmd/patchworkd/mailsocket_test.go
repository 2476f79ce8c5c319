package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/sqlstore/faultproxy"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// serveWithMailSocket runs serve on db with a mail socket (see
// serveInProcess) and returns the socket's path.
func serveWithMailSocket(t testing.TB, db string) (sock string, stop func()) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "mail.sock")
	_, _, stop = serveInProcess(t, db, map[string]string{"PATCHWORK_MAIL_SOCKET": sock})
	return sock, stop
}

// parsemailVia runs one parsemail process that must hand the mail to the
// daemon on sock; db is where it would store the mail itself.
func parsemailVia(t testing.TB, db, sock string, m relMail) relResult {
	t.Helper()
	cmd := relCmd(t, db, "parsemail")
	cmd.Env = append(cmd.Env, "PATCHWORK_MAIL_SOCKET="+sock, "PATCHWORK_LOG_LEVEL=info")
	return relRun(t, cmd, m.body())
}

// TestParsemailViaDaemon: parsemail processes hand their mails to serve
// over the mail socket and store nothing themselves (their own database
// URL points nowhere), and the daemon stores exactly what parsearchive
// stores of the same mails; with no daemon on the socket parsemail stores
// the mail itself.
func TestParsemailViaDaemon(t *testing.T) {
	t.Parallel()
	mails := relCorpus(t)[:80]
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "first80.mbox", mails))
	want := relSnapshot(t, clean)
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := relNewDB(t, d)
			sock, stop := serveWithMailSocket(t, db)
			nowhere := "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
			relParallel(len(mails)-10, 4, func(i int) {
				if r := parsemailVia(t, nowhere, sock, mails[i]); r.code != 0 {
					t.Errorf("parsemail %s via the daemon: exit %d\n%s", mails[i].msgid, r.code, relTail(r.stderr))
				}
			})
			// A second delivery of a mail the daemon took is a duplicate.
			if r := parsemailVia(t, nowhere, sock, mails[0]); r.code != 0 || !strings.Contains(r.stderr, "duplicate") {
				t.Errorf("second delivery of %s: exit %d, want 0 and a duplicate:\n%s", mails[0].msgid, r.code, r.stderr)
			}
			stop()
			// No daemon now: parsemail stores the rest itself.
			for _, m := range mails[len(mails)-10:] {
				if r := parsemailVia(t, db, sock, m); r.code != 0 {
					t.Errorf("parsemail %s without a daemon: exit %d\n%s", m.msgid, r.code, relTail(r.stderr))
				}
			}
			relSameAs(t, d+" via the mail socket", relSnapshot(t, db), want)
		})
	}
}

// TestParsemailViaDaemonOutage: when the daemon cannot reach its database,
// parsemail exits 75 so that the mail server keeps the mail, and the mail
// is taken once the database is back.
func TestParsemailViaDaemonOutage(t *testing.T) {
	t.Parallel()
	d := "postgres"
	if !slicesContain(sqltest.Dialects(), d) {
		d = "mysql"
		if !slicesContain(sqltest.Dialects(), d) {
			t.Skip("SKIP: needs PostgreSQL or MariaDB (PATCHWORK_TEST_POSTGRES / PATCHWORK_TEST_MYSQL)")
		}
	}
	direct := relNewDB(t, d)
	proxy, viaProxy, err := faultproxy.ForURL(direct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	sock, _ := serveWithMailSocket(t, viaProxy)
	mails := relCorpus(t)[:3]
	if r := parsemailVia(t, direct, sock, mails[0]); r.code != 0 {
		t.Fatalf("parsemail before the outage: exit %d\n%s", r.code, r.stderr)
	}
	proxy.Cut()
	r := parsemailVia(t, direct, sock, mails[1])
	if r.code != 75 {
		t.Fatalf("parsemail during the daemon's outage: exit %d, want 75\n%s", r.code, r.stderr)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	relWaitFor(t, "the daemon to take mail again", 30*time.Second, func() bool {
		return parsemailVia(t, direct, sock, mails[1]).code == 0
	})
	if r := parsemailVia(t, direct, sock, mails[2]); r.code != 0 {
		t.Fatalf("parsemail after the outage: exit %d\n%s", r.code, r.stderr)
	}
	s := relSnapshot(t, direct)
	if s.counts.Patches+s.counts.Covers+s.counts.Comments != 3 || len(s.dups) != 0 {
		t.Errorf("after the outage: %+v, duplicates %v; want the 3 mails once each", s.counts, s.dups)
	}
}

func slicesContain(ss []string, v string) bool {
	for _, s := range ss {
		if s == v {
			return true
		}
	}
	return false
}
