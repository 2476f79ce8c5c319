package lmtp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// recorder is a delivery function that keeps what it was given and
// answers by list id: a list id starting with "temp" fails temporarily.
type recorder struct {
	mu      sync.Mutex
	mails   []Mail
	batches atomic.Int64
	hold    chan struct{} // when set, each delivery waits for it
	inside  chan struct{} // when set, told when a delivery starts
}

func (r *recorder) deliver(_ context.Context, mails []Mail) []Answer {
	if r.inside != nil {
		r.inside <- struct{}{}
	}
	if r.hold != nil {
		<-r.hold
	}
	out := make([]Answer, len(mails))
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, m := range mails {
		r.mails = append(r.mails, m)
		out[k] = Answer{Message: "stored for " + m.ListID}
		if strings.HasPrefix(m.ListID, "temp") {
			out[k] = Answer{Temporary: true, Message: "database down"}
		}
	}
	r.batches.Add(1)
	return out
}

func (r *recorder) got() []Mail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Mail(nil), r.mails...)
}

func start(t *testing.T, opt Options) *Server {
	t.Helper()
	if opt.Socket == "" && opt.Addr == "" {
		opt.Socket = filepath.Join(t.TempDir(), "lmtp.sock")
	}
	s, err := Listen(opt)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// dial opens an LMTP client session (go-smtp's client) on addr.
func dial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	network := "unix"
	if !strings.Contains(addr, "/") {
		network = "tcp"
	}
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// sendTo sends one mail to rcpts and returns the per-recipient codes and
// texts; a transport error fails the test.
func sendTo(t *testing.T, c *smtp.Client, mail string, rcpts ...string) map[string]string {
	t.Helper()
	if err := c.Mail("sender@example.org", nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("RCPT %s: %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte(mail)); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	resp, err := w.CloseWithLMTPResponse()
	var le smtp.LMTPDataError
	if err != nil && !errors.As(err, &le) {
		t.Fatalf("end of data: %v", err)
	}
	// The texts carry "<rcpt> " before the message (and, for a 250, the
	// enhanced code, which the client leaves in the text).
	for r, d := range resp {
		out[r] = "250 " + strings.TrimPrefix(strings.TrimPrefix(d.StatusText, "2.0.0 "), "<"+r+"> ")
	}
	for r, e := range le {
		out[r] = fmt.Sprintf("%d %s", e.Code, strings.TrimPrefix(e.Message, "<"+r+"> "))
	}
	return out
}

const testMail = "From: a@example.org\nSubject: x\nMessage-Id: <x@example.org>\n\nbody\n"

// TestPerRecipientReplies: each recipient gets its own reply; recipients
// naming the same list id share one delivery, other list ids get theirs;
// a temporary failure is a 451, never a 5xx.
func TestPerRecipientReplies(t *testing.T) {
	r := &recorder{}
	s := start(t, Options{Deliver: r.deliver})
	c := dial(t, s.Addrs()[0])
	got := sendTo(t, c, testMail,
		"patchwork+a.example.org@host", "other+a.example.org@host", "patchwork+temp.example.org@host", "plain@host")
	want := map[string]string{
		"patchwork+a.example.org@host":    "250 stored for a.example.org",
		"other+a.example.org@host":        "250 stored for a.example.org",
		"patchwork+temp.example.org@host": "451 temporary failure, try again later: database down",
		"plain@host":                      "250 stored for ",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("reply to %s: %q, want %q", k, got[k], v)
		}
	}
	mails := r.got()
	if len(mails) != 3 {
		t.Fatalf("deliveries %+v, want one per distinct list id (3)", mails)
	}
	for _, m := range mails {
		if string(m.Raw) != testMail {
			t.Errorf("mail as delivered %q, want the LF-ended original %q", m.Raw, testMail)
		}
	}
	// The connection goes on after a temporary failure.
	if got := sendTo(t, c, testMail, "p+b.example.org@h"); got["p+b.example.org@h"] != "250 stored for b.example.org" {
		t.Errorf("second mail on the connection: %v", got)
	}
}

// TestReplyAfterDelivery: no reply before the delivery function returned
// (which returns after its commit).
func TestReplyAfterDelivery(t *testing.T) {
	r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 1)}
	s := start(t, Options{Deliver: r.deliver})
	c := dial(t, s.Addrs()[0])
	replied := make(chan map[string]string, 1)
	go func() { replied <- sendTo(t, c, testMail, "p@h") }()
	<-r.inside
	select {
	case got := <-replied:
		t.Fatalf("replied %v before the delivery finished", got)
	case <-time.After(200 * time.Millisecond):
	}
	close(r.hold)
	if got := <-replied; got["p@h"] != "250 stored for " {
		t.Errorf("reply: %v", got)
	}
}

// TestSizeAnnounced: LHLO announces SIZE; a larger mail is refused 552
// before delivery; Send does not send it at all; a mail just within is
// taken whole, long lines and dot-stuffed lines intact.
func TestSizeAnnounced(t *testing.T) {
	r := &recorder{}
	s := start(t, Options{Deliver: r.deliver, MaxBytes: 20000})
	c := dial(t, s.Addrs()[0])
	if ok, size := c.Extension("SIZE"); !ok || size != "20000" {
		t.Fatalf("SIZE extension: %v %q, want 20000", ok, size)
	}
	long := "From: a@b\nSubject: long\n\n" + strings.Repeat("x", 10000) + "\n.\n..two\n.x\n"
	if got := sendTo(t, c, long, "p@h"); !strings.HasPrefix(got["p@h"], "250") {
		t.Fatalf("mail with a 10,000-byte line and dotted lines: %v", got)
	}
	if m := r.got(); len(m) != 1 || string(m[0].Raw) != long {
		t.Fatalf("delivered %d mails, first differs from what was sent", len(m))
	}
	big := "From: a@b\n\n" + strings.Repeat("y\n", 15000)
	if got := sendTo(t, c, big, "p@h"); !strings.HasPrefix(got["p@h"], "552") {
		t.Errorf("mail over SIZE: %v, want 552", got)
	}
	if _, err := Send(context.Background(), s.Addrs()[0], []byte(big), ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Send of a mail over SIZE: %v, want ErrTooLarge", err)
	}
	if n := len(r.got()); n != 1 {
		t.Errorf("%d deliveries, want only the first mail", n)
	}
}

// TestSendAndListeners: Send over the Unix socket and over TCP, the
// socket file's mode, a list id carried by the recipient, and the errors
// when no daemon answers.
func TestSendAndListeners(t *testing.T) {
	r := &recorder{}
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	s := start(t, Options{Deliver: r.deliver, Socket: sock, Addr: "127.0.0.1:0"})
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket file: %v, mode %v; want 0660", err, fi.Mode())
	}
	addrs := s.Addrs()
	if len(addrs) != 2 || addrs[0] != sock {
		t.Fatalf("addresses %v", addrs)
	}
	for _, a := range addrs {
		ans, err := Send(context.Background(), a, []byte(testMail), "list.example.org")
		if err != nil || ans.Temporary || !strings.Contains(ans.Message, "stored for list.example.org") {
			t.Errorf("Send on %s: %+v, %v", a, ans, err)
		}
		ans, err = Send(context.Background(), a, []byte(testMail), "temp.example.org")
		if err != nil || !ans.Temporary {
			t.Errorf("Send on %s of a mail the database could not take: %+v, %v; want temporary", a, ans, err)
		}
	}
	if _, err := Send(context.Background(), filepath.Join(t.TempDir(), "none.sock"), []byte(testMail), ""); !errors.Is(err, ErrNoServer) {
		t.Errorf("Send with no daemon: %v, want ErrNoServer", err)
	}
	// A second daemon on the same socket is refused; a stale socket file
	// (its daemon died) is replaced.
	if _, err := Listen(Options{Socket: sock, Deliver: r.deliver}); !errors.Is(err, ErrInUse) {
		t.Errorf("second Listen on a live socket: %v, want ErrInUse", err)
	}
	stale := filepath.Join(t.TempDir(), "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	s2 := start(t, Options{Socket: stale, Deliver: r.deliver})
	if ans, err := Send(context.Background(), s2.Addrs()[0], []byte(testMail), ""); err != nil || ans.Temporary {
		t.Errorf("Send on the replaced stale socket: %+v, %v", ans, err)
	}
}

// TestGroupCommit: mails arriving at once on several connections are
// delivered in fewer batches than mails, each answered.
func TestGroupCommit(t *testing.T) {
	r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 100)}
	s := start(t, Options{Deliver: r.deliver, Workers: 1})
	const n = 10
	var wg sync.WaitGroup
	answers := make([]Answer, n)
	// The first mail occupies the one worker; the others queue and are
	// taken together once it is done.
	for k := range n {
		wg.Go(func() {
			a, err := Send(context.Background(), s.Addrs()[0], []byte(testMail), fmt.Sprintf("l%d.example.org", k))
			if err != nil {
				t.Error(err)
			}
			answers[k] = a
		})
		if k == 0 {
			<-r.inside
		}
	}
	relWaitQueued(t, s, n-1)
	close(r.hold)
	wg.Wait()
	for k, a := range answers {
		if a.Temporary || !strings.Contains(a.Message, fmt.Sprintf("l%d.example.org", k)) {
			t.Errorf("mail %d: %+v", k, a)
		}
	}
	if b := r.batches.Load(); b != 2 {
		t.Errorf("%d batches for %d mails, want 2 (the first, then the %d that waited)", b, n, n-1)
	}
}

// relWaitQueued waits until n mails wait for a worker.
func relWaitQueued(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails queued, want %d", len(s.queue), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPanicWhileStoring (issue 16 item 14): a panic while storing a mail
// does not take the daemon down. The mails stored in the same batch are
// stored and answered 250; the one that panics is kept as a failed mail
// (once, however often the mail server retries it) and answered 451; the
// server goes on serving.
func TestPanicWhileStoring(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 100)}
		deliver := func(ctx context.Context, mails []Mail) []Answer {
			for _, m := range mails {
				if strings.Contains(string(m.Raw), "Subject: boom") {
					var p *store.Patch
					_ = p.Name // a nil dereference, as a bug would make
				}
			}
			return r.deliver(ctx, mails)
		}
		keep := func(ctx context.Context, m Mail, reason string) (string, error) {
			fm := &store.FailedMail{Raw: m.Raw, Error: reason}
			if err := st.SaveFailedMail(ctx, fm); err != nil {
				return "", err
			}
			return fmt.Sprintf("kept as failed mail %d", fm.ID), nil
		}
		s := start(t, Options{Deliver: deliver, Keep: keep, Workers: 1})
		boom := "From: a@b\nSubject: boom\nMessage-Id: <boom@b>\n\nx\n"
		// One mail holds the worker so that the next three are taken in one
		// batch: the bad one among two good ones.
		first := make(chan Answer, 1)
		go func() {
			a, _ := Send(context.Background(), s.Addrs()[0], []byte(testMail), "first.example.org")
			first <- a
		}()
		<-r.inside
		var wg sync.WaitGroup
		answers := make([]Answer, 3)
		for k, m := range []string{testMail, boom, testMail} {
			wg.Go(func() {
				a, err := Send(context.Background(), s.Addrs()[0], []byte(m), fmt.Sprintf("l%d.example.org", k))
				if err != nil {
					t.Errorf("mail %d: %v", k, err)
				}
				answers[k] = a
			})
		}
		relWaitQueued(t, s, 3)
		close(r.hold)
		wg.Wait()
		if a := <-first; a.Temporary {
			t.Errorf("first mail: %+v", a)
		}
		if answers[0].Temporary || answers[2].Temporary {
			t.Errorf("mails batched with the bad one: %+v, %+v; want stored", answers[0], answers[2])
		}
		if !answers[1].Temporary || !strings.Contains(answers[1].Message, "kept as failed mail") {
			t.Errorf("the mail that panicked: %+v; want temporary, kept", answers[1])
		}
		// The mail server retries: answered 451 again, not kept twice.
		c := dial(t, s.Addrs()[0])
		if got := sendTo(t, c, boom, "p@h"); !strings.HasPrefix(got["p@h"], "451 ") {
			t.Errorf("retry of the mail that panicked: %v, want 451", got)
		}
		fms, err := st.ListFailedMails(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(fms) != 1 || string(fms[0].Raw) != boom || !strings.Contains(fms[0].Error, "panic") {
			t.Errorf("failed mails %+v, want the one that panicked, once", fms)
		}
		// Still serving on the same connection.
		if got := sendTo(t, c, testMail, "p+after.example.org@h"); got["p+after.example.org@h"] != "250 stored for after.example.org" {
			t.Errorf("mail after the panic: %v", got)
		}
	})
}

// TestShutdown: a mail being stored when the daemon is told to stop is
// finished and answered; then idle connections are closed and new
// mail transactions refused with a 4xx.
func TestShutdown(t *testing.T) {
	r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 1)}
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	s, err := Listen(Options{Socket: sock, Deliver: r.deliver})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	idle := dial(t, sock)
	replied := make(chan Answer, 1)
	go func() {
		a, err := Send(context.Background(), sock, []byte(testMail), "")
		if err != nil {
			t.Error(err)
		}
		replied <- a
	}()
	<-r.inside
	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	close(r.hold)
	if a := <-replied; a.Temporary {
		t.Errorf("mail under way at shutdown: %+v, want stored", a)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := idle.Mail("a@b", nil); err == nil {
		t.Error("idle connection still takes mail after shutdown")
	} else if se, ok := err.(*smtp.SMTPError); ok && se.Code/100 == 5 {
		t.Errorf("idle connection after shutdown: %v, want a 4xx or a closed connection", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file after shutdown: %v", err)
	}
}

func TestListIDOf(t *testing.T) {
	for rcpt, want := range map[string]string{
		"patchwork@host":                         "",
		"patchwork+linux-kernel.vger.org@host":   "linux-kernel.vger.org",
		"patchwork+a+b@host":                     "a+b",
		Recipient("x.example.org"):               "x.example.org",
		Recipient(""):                            "",
		`"patchwork+quoted.example.org"@h`:       "quoted.example.org",
		"nodomain+list.example.org":              "list.example.org",
		"patchwork+list.example.org@a+b.example": "list.example.org",
	} {
		if got := ListIDOf(rcpt); got != want {
			t.Errorf("ListIDOf(%q) = %q, want %q", rcpt, got, want)
		}
	}
	for id, want := range map[string]bool{"": true, "a.b.c": true, "a b": false, ".a": false, "a..b": false, "ä.org": false} {
		if ValidListID(id) != want {
			t.Errorf("ValidListID(%q) = %v", id, !want)
		}
	}
}
