package main

import (
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// postfixBin is where Debian's postfix package puts the command.
const postfixBin = "/usr/sbin/postfix"

// postfixMainCf is the README's configuration ("Mail in") with the paths
// of a private instance: mail for pipe.test goes through the alias to
// parsemail (pipe), mail for lmtp.test to serve's LMTP socket.
const postfixMainCf = `compatibility_level = 3.6
queue_directory = {{base}}/queue
data_directory = {{base}}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
default_privs = nobody
myhostname = mail.test
mydomain = test
myorigin = mail.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file = {{base}}/maillog
biff = no
# nothing leaves this machine (bounces included)
default_transport = error:no mail leaves this test
relayhost =
smtp_dns_support_level = disabled
# pipe: patchwork@pipe.test is an alias running parsemail
mydestination = pipe.test
alias_maps = hash:{{base}}/etc/aliases
alias_database = hash:{{base}}/etc/aliases
local_recipient_maps =
# LMTP: every mail for lmtp.test straight to serve
relay_domains = lmtp.test
transport_maps = hash:{{base}}/etc/transport
lmtp_destination_recipient_limit = 50
`

const postfixMasterCf = `{{smtpd}} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
lmtp      unix  - - n -  - lmtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
`

// TestPostfix delivers mails through a real Postfix (Debian's package, a
// private instance on loopback only, stopped at the end) to patchwork by
// both ways the README gives: a |pipe alias to parsemail, and Postfix's
// LMTP client to serve's socket. Each database then holds what
// parsearchive stores of the same mails.
func TestPostfix(t *testing.T) {
	if _, err := os.Stat(postfixBin); err != nil {
		t.Skip("SKIP: postfix is not installed (apt-get install postfix): the Postfix test did not run")
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIP: a private Postfix instance needs root: the Postfix test did not run")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("SKIP: no user nobody for the pipe: %v", err)
	}
	pfUser, err := user.Lookup("postfix")
	if err != nil {
		t.Skipf("SKIP: no user postfix: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	pfUID, _ := strconv.Atoi(pfUser.Uid)
	gid, _ := strconv.Atoi(pfUser.Gid)

	mails := relCorpus(t)[:60]
	clean := relNewDB(t, "sqlite")
	relParsearchive(t, clean, relWriteMbox(t, "postfix.mbox", mails))
	want := relSnapshot(t, clean)

	// Postfix wants root-owned directories nobody else may write to.
	base, err := os.MkdirTemp("/var/tmp", "pw-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("PATCHWORK_KEEP_POSTFIX") != "" {
			return
		}
		os.RemoveAll(base)
	})
	for _, d := range []string{"etc", "queue", "data", "bin", "run", "pipe"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.Chmod(base, 0o755))
	must(t, os.Chown(filepath.Join(base, "data"), pfUID, gid))

	// The pipe runs as nobody: its own copy of this binary (acting as
	// patchworkd), and a SQLite database in a directory nobody owns.
	self, err := os.ReadFile(os.Args[0])
	must(t, err)
	bin := filepath.Join(base, "bin", "patchworkd")
	must(t, os.WriteFile(bin, self, 0o755))
	pipeDB := "sqlite:" + filepath.Join(base, "pipe", "patchwork.db")
	relCLI(t, pipeDB, "migrate")
	relCLI(t, pipeDB, "project", "add", "--linkname", "test", "--name", "Test Project",
		"--listid", relListID, "--listemail", "test@example.com", "--use-tags")
	filepath.WalkDir(filepath.Join(base, "pipe"), func(p string, _ os.DirEntry, _ error) error {
		return os.Chown(p, uid, -1)
	})
	wrapper := filepath.Join(base, "bin", "parsemail")
	must(t, os.WriteFile(wrapper, []byte("#!/bin/sh\nexec env "+mainEnv+"=1 PATCHWORK_DB="+pipeDB+
		" PATCHWORK_LOG_LEVEL=warn "+bin+" parsemail\n"), 0o755))

	// serve's LMTP socket, which Postfix's lmtp client (user postfix)
	// reaches through its group.
	lmtpDB := relNewDB(t, "sqlite")
	sock := filepath.Join(base, "run", "lmtp.sock")
	ls := lmtpStartServe(t, lmtpDB, sock)
	must(t, os.Chown(sock, 0, gid))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	smtpdAddr := ln.Addr().String()
	ln.Close()
	expand := func(s string) string {
		return strings.NewReplacer("{{base}}", base, "{{smtpd}}", smtpdAddr).Replace(s)
	}
	conf := filepath.Join(base, "etc")
	must(t, os.WriteFile(filepath.Join(conf, "main.cf"), []byte(expand(postfixMainCf)), 0o644))
	must(t, os.WriteFile(filepath.Join(conf, "master.cf"), []byte(expand(postfixMasterCf)), 0o644))
	must(t, os.WriteFile(filepath.Join(conf, "aliases"), []byte("patchwork: \"|"+wrapper+"\"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(conf, "transport"), []byte("lmtp.test lmtp:unix:"+sock+"\n"), 0o644))

	postfix := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(postfixBin, append([]string{"-c", conf}, args...)...).CombinedOutput()
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(base, "maillog"))
			t.Fatalf("postfix %v: %v\n%s\n%s", args, err, out, relTail(string(log)))
		}
		return string(out)
	}
	for _, c := range [][]string{{"/usr/sbin/postalias", "-c", conf, filepath.Join(conf, "aliases")}, {"/usr/sbin/postmap", "-c", conf, filepath.Join(conf, "transport")}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	postfix("start")
	t.Cleanup(func() {
		_ = exec.Command(postfixBin, "-c", conf, "stop").Run()
		// Not left running: the master's pid file goes with it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := exec.Command(postfixBin, "-c", conf, "status").Run(); err != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("postfix still running after stop")
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	relWaitFor(t, "postfix's smtpd", 30*time.Second, func() bool {
		c, err := net.Dial("tcp", smtpdAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	// Each mail to both addresses, in order, as a list server sends them.
	c, err := smtp.Dial(smtpdAddr)
	must(t, err)
	for _, m := range mails {
		must(t, c.Mail("list@example.com"))
		must(t, c.Rcpt("patchwork@pipe.test"))
		must(t, c.Rcpt("patchwork@lmtp.test"))
		w, err := c.Data()
		must(t, err)
		_, err = w.Write(m.body())
		must(t, err)
		must(t, w.Close())
	}
	must(t, c.Quit())

	stored := func(db string) int {
		s := relSnapshot(t, db)
		return s.counts.Patches + s.counts.Covers + s.counts.Comments
	}
	total := want.counts.Patches + want.counts.Covers + want.counts.Comments
	waitErr := func() string {
		log, _ := os.ReadFile(filepath.Join(base, "maillog"))
		return relTail(string(log))
	}
	deadline := time.Now().Add(2 * time.Minute)
	for stored(pipeDB) < total || stored(lmtpDB) < total {
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes: %d by pipe, %d by LMTP of %d; postfix's log:\n%s",
				stored(pipeDB), stored(lmtpDB), total, waitErr())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Postfix delivers in parallel, so held replies may still be placed:
	// the queue empties, then the databases must match.
	relWaitFor(t, "postfix's queue to empty", time.Minute, func() bool {
		out, _ := exec.Command("/usr/sbin/postqueue", "-c", conf, "-p").CombinedOutput()
		return strings.Contains(string(out), "Mail queue is empty")
	})
	relSameAs(t, "through postfix's pipe to parsemail", relSnapshot(t, pipeDB), want)
	relSameAs(t, "through postfix's LMTP to serve", relSnapshot(t, lmtpDB), want)
	if log, _ := os.ReadFile(filepath.Join(base, "maillog")); !strings.Contains(string(log), "relay="+sock) &&
		!strings.Contains(string(log), "status=sent") {
		t.Errorf("postfix's log shows no delivery:\n%s", relTail(string(log)))
	}
	postfix("stop")
	ls.stop(t)
}
