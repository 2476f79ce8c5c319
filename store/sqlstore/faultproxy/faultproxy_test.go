package faultproxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/faultproxy"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// roundTrip sends a line and reads it back.
func roundTrip(c net.Conn, r *bufio.Reader, line string) (string, error) {
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return got[:len(got)-1], nil
}

func dialEcho(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	// A bound on every read so that a broken proxy fails the test rather
	// than hanging it.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return c, bufio.NewReader(c)
}

func TestCutRefusesAndResetsThenRestoreOnSamePort(t *testing.T) {
	p := newProxy(t, echoServer(t))
	addr := p.Addr()
	c, r := dialEcho(t, addr)
	if got, err := roundTrip(c, r, "before"); err != nil || got != "before" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}

	p.Cut()
	// The open connection is reset: the next read fails at once.
	if got, err := roundTrip(c, r, "during"); err == nil {
		t.Fatalf("a cut connection still answered %q", got)
	}
	// New connections are refused, as by a stopped server.
	if c2, err := net.Dial("tcp", addr); err == nil {
		c2.Close()
		t.Fatal("dial during a cut succeeded")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial during a cut: %v, want connection refused", err)
	}

	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if p.Addr() != addr {
		t.Fatalf("address changed across a cut: %s -> %s", addr, p.Addr())
	}
	c3, r3 := dialEcho(t, addr)
	if got, err := roundTrip(c3, r3, "after"); err != nil || got != "after" {
		t.Fatalf("after restore: %q, %v", got, err)
	}
	if n := p.Accepted(); n != 2 {
		t.Fatalf("accepted %d connections, want 2 (the refused one is not counted)", n)
	}
}

func TestStallHoldsBytesUntilRestore(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c, r := dialEcho(t, p.Addr())
	if got, err := roundTrip(c, r, "one"); err != nil || got != "one" {
		t.Fatalf("%q, %v", got, err)
	}
	p.Stall()
	if _, err := io.WriteString(c, "two\n"); err != nil {
		t.Fatal(err)
	}
	// Nothing may come back while stalled; a short deadline proves the
	// absence (this bounds the wait, it measures nothing).
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("a stalled proxy forwarded %q", line)
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read while stalled: %v, want a timeout", err)
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "two\n" {
		t.Fatalf("after restore: %q, %v", line, err)
	}
}

func TestCloseEndsStalledConnections(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c, r := dialEcho(t, p.Addr())
	p.Stall()
	if _, err := io.WriteString(c, "held\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close hung on a stalled connection")
	}
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("read %q after close", line)
	}
}

// TestDatabaseOutage runs a real store through the proxy: a cut must
// surface as store.ErrUnavailable (what parsemail turns into exit 75), and
// the same store must work again after restore without being reopened.
func TestDatabaseOutage(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			p, u, err := faultproxy.ForURL(sqltest.URL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			s, err := sqlstore.Open(ctx, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.ListProjects(ctx); err != nil {
				t.Fatalf("through the proxy: %v", err)
			}
			if p.Accepted() == 0 {
				t.Fatal("the store did not connect through the proxy")
			}

			p.Cut()
			for i := 0; i < 3; i++ { // pooled connections first, then new ones
				_, err := s.ListProjects(ctx)
				if !errors.Is(err, store.ErrUnavailable) {
					t.Fatalf("query %d during the outage: %v, want store.ErrUnavailable", i, err)
				}
			}
			err = s.InTx(ctx, func(tx store.Store) error {
				_, err := tx.ListProjects(ctx)
				return err
			})
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("transaction during the outage: %v, want store.ErrUnavailable", err)
			}

			if err := p.Restore(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ListProjects(ctx); err != nil {
				t.Fatalf("after restore: %v", err)
			}
		})
	}
}

// TestRequestsCountRoundTrips: each line sent after the answer to the last
// is a request; lines sent together before reading count once, as the one
// round trip they cost; the trace sees each request's first bytes.
func TestRequestsCountRoundTrips(t *testing.T) {
	p := newProxy(t, echoServer(t))
	var mu sync.Mutex
	var traced []string
	p.Trace(func(conn int, req []byte) {
		mu.Lock()
		defer mu.Unlock()
		traced = append(traced, string(req))
	})
	c, r := dialEcho(t, p.Addr())
	for _, line := range []string{"one", "two", "three"} {
		if got, err := roundTrip(c, r, line); err != nil || got != line {
			t.Fatalf("round trip %q: %q, %v", line, got, err)
		}
	}
	if n := p.Requests(); n != 3 {
		t.Errorf("three round trips: %d requests", n)
	}
	// Pipelined: both lines leave before either answer is read.
	if _, err := io.WriteString(c, "four\nfive\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"four\n", "five\n"} {
		if got, err := r.ReadString('\n'); err != nil || got != want {
			t.Fatalf("pipelined: %q, %v", got, err)
		}
	}
	if n := p.Requests(); n != 4 {
		t.Errorf("a pipelined pair after three round trips: %d requests, want 4", n)
	}
	p.Trace(nil)
	mu.Lock()
	defer mu.Unlock()
	if len(traced) != 4 || traced[0] != "one\n" || traced[3] != "four\nfive\n" {
		t.Errorf("traced %q", traced)
	}
}
