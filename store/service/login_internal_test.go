package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestPasswordChecksBounded: with one bcrypt slot taken and its one queue
// place held by a waiting login, the next login is refused as busy at
// once, without bcrypt and without counting as a failure; the waiting one
// goes through when the slot frees.
func TestPasswordChecksBounded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc := New(s, Options{Limits: &Limits{
			LoginFailuresPerAddr: Rate{Burst: 1, Every: time.Hour},
			PasswordChecks:       1,
			PasswordQueue:        1,
		}})
		if _, _, err := svc.CreateUser(ctx, LocalAdmin(), NewUser{Username: "alice", Email: "alice@example.org", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}
		a := svc.auth
		if err := a.acquire(ctx); err != nil { // the slot, as a running check holds it
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() {
			_, err := svc.Login(ctx, Credentials{Username: "alice", Password: "correct horse", Addr: "192.0.2.1:1"})
			waited <- err
		}()
		for deadline := time.Now().Add(10 * time.Second); a.waiting.Load() != 1; {
			if time.Now().After(deadline) {
				t.Fatal("the first login never queued")
			}
			time.Sleep(time.Millisecond)
		}
		_, err := svc.Login(ctx, Credentials{Username: "alice", Password: "wrong", Addr: "192.0.2.2:1"})
		if !errors.Is(err, ErrRateLimited) || svc.AuthStats().HashChecks != 0 {
			t.Errorf("login beyond the queue: %v, %d checks (want busy, 0)", err, svc.AuthStats().HashChecks)
		}
		a.release()
		if err := <-waited; err != nil {
			t.Errorf("queued login: %v", err)
		}
		// The busy refusal spent none of 192.0.2.2's one failure.
		if _, err := svc.Login(ctx, Credentials{Username: "alice", Password: "wrong", Addr: "192.0.2.2:1"}); !errors.Is(err, ErrBadLogin) {
			t.Errorf("after busy: %v, want a plain bad login", err)
		}
		// A request that ends while it waits leaves as it came.
		if err := a.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := svc.Login(cctx, Credentials{Username: "alice", Password: "correct horse", Addr: "192.0.2.3:1"}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("login whose request ended while waiting: %v", err)
		}
		a.release()
	})
}
