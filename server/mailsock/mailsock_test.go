package mailsock

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a delivery function that keeps what it was given.
type recorder struct {
	n       atomic.Int64
	batches atomic.Int64
	last    atomic.Value // string: list id + "|" + mail
	answer  atomic.Pointer[Answer]
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
	for k, m := range mails {
		r.n.Add(1)
		r.last.Store(m.ListID + "|" + string(m.Raw))
		out[k] = Answer{Code: CodeOK}
		if a := r.answer.Load(); a != nil {
			out[k] = *a
		}
	}
	r.batches.Add(1)
	return out
}

func start(t *testing.T, opt Options) *Server {
	t.Helper()
	if opt.Path == "" {
		opt.Path = filepath.Join(t.TempDir(), "mail.sock")
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

func TestSendDelivers(t *testing.T) {
	r := &recorder{}
	r.answer.Store(&Answer{Code: CodeOK, Message: "patch <a@b>"})
	s := start(t, Options{Deliver: r.deliver})
	fi, err := os.Stat(s.Addr())
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket file: %v, mode %v; want 0660", err, fi.Mode())
	}
	mail := "From: a@b\nSubject: x\n\nline \"quoted\"\n\x00binary\n"
	a, err := Send(context.Background(), s.Addr(), []byte(mail), "list id with spaces")
	if err != nil || a != (Answer{CodeOK, "patch <a@b>"}) {
		t.Fatalf("Send: %+v, %v", a, err)
	}
	if got := r.last.Load(); got != "list id with spaces|"+mail {
		t.Errorf("delivered %q", got)
	}

	temp := Answer{Code: CodeTempFail, Message: "database down\nsecond line"}
	r.answer.Store(&temp)
	a, err = Send(context.Background(), s.Addr(), []byte(mail), "")
	if err != nil || a != temp {
		t.Fatalf("Send of a temporary failure: %+v, %v", a, err)
	}
}

func TestSendNoServer(t *testing.T) {
	_, err := Send(context.Background(), filepath.Join(t.TempDir(), "none.sock"), []byte("x"), "")
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("Send to no socket: %v, want ErrNoServer", err)
	}
}

func TestBadRequests(t *testing.T) {
	r := &recorder{}
	s := start(t, Options{Deliver: r.deliver, MaxBytes: 100})
	for _, req := range []string{
		"HELO x\n",
		"MAIL 1000 \"\"\n",         // over MaxBytes
		"MAIL -1 \"\"\n",           // negative
		"MAIL 5 unquoted\nhello",   // bad list id
		"MAIL 50 \"\"\nshort",      // ends early
		strings.Repeat("M", 10000), // no end of line within 4 KiB
		"MAIL 5 \"\"",              // no end of line at all
	} {
		c, err := net.Dial("unix", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(req))
		c.(*net.UnixConn).CloseWrite()
		buf := make([]byte, 512)
		n, _ := c.Read(buf)
		c.Close()
		if !strings.HasPrefix(string(buf[:n]), "75 \"bad request") {
			t.Errorf("request %.40q: answer %q, want 75 bad request", req, buf[:n])
		}
	}
	if n := r.n.Load(); n != 0 {
		t.Errorf("%d bad requests were delivered", n)
	}
}

func TestListenRefusesLiveSocketAndOtherFiles(t *testing.T) {
	r := &recorder{}
	s := start(t, Options{Deliver: r.deliver})
	if _, err := Listen(Options{Path: s.Addr(), Deliver: r.deliver}); !errors.Is(err, ErrInUse) {
		t.Errorf("Listen on a live socket: %v, want ErrInUse", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(Options{Path: file, Deliver: r.deliver}); err == nil {
		t.Error("Listen replaced a regular file")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Errorf("the regular file became %q", b)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	// A daemon killed with -9 leaves its socket file behind.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	r := &recorder{}
	s := start(t, Options{Path: path, Deliver: r.deliver})
	if a, err := Send(context.Background(), s.Addr(), []byte("x"), ""); err != nil || a.Code != CodeOK {
		t.Fatalf("Send after replacing a stale socket: %+v, %v", a, err)
	}
}

// TestShutdownFinishesMailsUnderWay: a mail being stored when the daemon
// stops is finished and answered; one still waiting for its turn is
// answered 75 (or, not yet accepted, loses its connection: parsemail
// exits 75 then too), so that the mail server delivers it again.
func TestShutdownFinishesMailsUnderWay(t *testing.T) {
	r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 2)}
	r.answer.Store(&Answer{Code: CodeOK, Message: "stored"})
	s, err := Listen(Options{Path: filepath.Join(t.TempDir(), "mail.sock"), Deliver: r.deliver, Workers: 1, MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	answers := make(chan Answer, 2)
	for range 2 {
		go func() {
			a, err := Send(context.Background(), s.Addr(), []byte("x"), "")
			if err != nil {
				a = Answer{Code: -1, Message: err.Error()}
			}
			answers <- a
		}()
	}
	<-r.inside
	time.Sleep(100 * time.Millisecond) // the other one connected, most likely
	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown(context.Background()) }()
	first := <-answers
	if first.Code != CodeTempFail && first.Code != -1 {
		t.Errorf("waiting mail on shutdown: %+v, want 75 or a lost connection", first)
	}
	close(r.hold)
	if second := <-answers; second != (Answer{CodeOK, "stored"}) {
		t.Errorf("mail under way on shutdown: %+v, want stored", second)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestMailsArrivingTogetherShareABatch: while a worker is busy, the mails
// that arrive wait and are then handed over together, each answered.
func TestMailsArrivingTogetherShareABatch(t *testing.T) {
	r := &recorder{hold: make(chan struct{}), inside: make(chan struct{}, 100)}
	s := start(t, Options{Deliver: r.deliver, Workers: 1})
	first := make(chan error, 1)
	go func() {
		_, err := Send(context.Background(), s.Addr(), []byte("first"), "")
		first <- err
	}()
	<-r.inside // the worker holds the first mail
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			a, err := Send(context.Background(), s.Addr(), []byte(strings.Repeat("x", i+1)), "")
			if err == nil && a.Code != CodeOK {
				err = errors.New(a.Message)
			}
			errs <- err
		}()
	}
	// Let them all queue behind the first mail before it is released.
	deadline := time.Now().Add(10 * time.Second)
	for len(s.queue) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(r.hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got, b := r.n.Load(), r.batches.Load(); got != n+1 || b != 2 {
		t.Errorf("%d mails in %d batches; want %d in 2", got, b, n+1)
	}
}
