package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// loginClock is a clock the test moves.
type loginClock struct{ t time.Time }

func (c *loginClock) now() time.Time { return c.t }

func newLoginService(s store.Store, c *loginClock, l service.Limits) *service.Service {
	return service.New(s, service.Options{Now: c.now, Limits: &l})
}

// TestLogin: the one password login's answers, its cost (counted bcrypt
// comparisons), its cache (used, dropped on a password change here or in
// another process, expired) and its limits (per name whatever the
// address, per address whatever the name, successes free).
func TestLogin(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		c := &loginClock{t: clock}
		limits := service.Limits{
			LoginFailuresPerAddr: service.Rate{Burst: 5, Every: time.Minute},
			LoginFailuresPerUser: service.Rate{Burst: 3, Every: 20 * time.Second},
			LoginCacheTTL:        time.Minute,
		}
		svc := newLoginService(s, c, limits)
		admin := service.LocalAdmin()
		alice, _, err := svc.CreateUser(ctx, admin, service.NewUser{Username: "alice", Email: "alice@example.org", Password: "correct horse"})
		must(t, err)
		// An upstream account whose password was set unusable: bcrypt
		// would refuse its hash at once, telling the name exists.
		locked, _, err := svc.CreateUser(ctx, admin, service.NewUser{Username: "locked", Email: "locked@example.org"})
		must(t, err)
		locked.PasswordHash = "!"
		must(t, s.UpdateUser(ctx, locked))

		login := func(user, pw, addr string) (*store.User, uint64, error) {
			before := svc.AuthStats().HashChecks
			u, err := svc.Login(ctx, service.Credentials{Username: user, Password: pw, Addr: addr})
			return u, svc.AuthStats().HashChecks - before, err
		}
		for _, tc := range []struct{ what, user, pw string }{
			{"wrong password", "alice", "nope"},
			{"unknown user", "mallory", "nope"},
			{"unusable hash", "locked", "!"},
		} {
			u, n, err := login(tc.user, tc.pw, "192.0.2.1:1000")
			if !errors.Is(err, service.ErrBadLogin) || u != nil || n != 1 {
				t.Errorf("%s: %v, %v, %d bcrypt (want ErrBadLogin and 1)", tc.what, u, err, n)
			}
		}

		u, n, err := login("alice", "correct horse", "192.0.2.2:1000")
		if err != nil || u == nil || u.ID != alice.ID || n != 1 {
			t.Fatalf("first login: %v, %v, %d bcrypt", u, err, n)
		}
		if u, n, err := login("alice", "correct horse", "192.0.2.3:1000"); err != nil || u.ID != alice.ID || n != 0 {
			t.Errorf("cached login: %v, %v, %d bcrypt (want 0)", u, err, n)
		}
		// A password change here drops the cache at once.
		must(t, svc.SetPassword(ctx, alice, alice, "battery staple"))
		if _, n, err := login("alice", "correct horse", "192.0.2.2:1000"); !errors.Is(err, service.ErrBadLogin) || n != 1 {
			t.Errorf("old password after the change: %v, %d bcrypt", err, n)
		}
		if _, _, err := login("alice", "battery staple", "192.0.2.2:1000"); err != nil {
			t.Errorf("new password: %v", err)
		}
		// A change made by another process (another service on the same
		// database: patchworkd user password) is seen too: the cached
		// success names the hash it matched.
		other := service.New(s, service.Options{})
		must(t, other.SetPassword(ctx, admin, alice, "third password"))
		if _, n, err := login("alice", "battery staple", "192.0.2.2:1000"); !errors.Is(err, service.ErrBadLogin) || n != 1 {
			t.Errorf("password changed elsewhere: %v, %d bcrypt", err, n)
		}
		if _, n, err := login("alice", "third password", "192.0.2.2:1000"); err != nil || n != 1 {
			t.Fatalf("login: %v, %d bcrypt", err, n)
		}
		c.t = c.t.Add(2 * time.Minute)
		if _, n, err := login("alice", "third password", "192.0.2.2:1000"); err != nil || n != 1 {
			t.Errorf("login after the cache's TTL: %v, %d bcrypt (want 1)", err, n)
		}

		// Per name: three failures from three addresses, then even a
		// fourth address is refused, and the refusal costs no bcrypt.
		c.t = c.t.Add(time.Hour)
		for i := range 3 {
			if _, _, err := login("carol", "x", "198.51.100."+string(rune('1'+i))+":1"); !errors.Is(err, service.ErrBadLogin) {
				t.Fatalf("failure %d of carol: %v", i+1, err)
			}
		}
		_, n, err = login("carol", "x", "203.0.113.9:1")
		if !errors.Is(err, service.ErrRateLimited) || n != 0 || service.RetryAfter(err) != 20 {
			t.Errorf("fourth failure of carol: %v, %d bcrypt, retry after %d s (want 20)", err, n, service.RetryAfter(err))
		}
		// Strangers spending alice's failures do not lock her out where
		// she logged in before; elsewhere they do.
		for i := range 3 {
			if _, _, err := login("alice", "guess", "198.51.100."+string(rune('1'+i))+":1"); !errors.Is(err, service.ErrBadLogin) {
				t.Fatalf("stranger's failure %d on alice: %v", i+1, err)
			}
		}
		if _, _, err := login("alice", "guess", "203.0.113.8:1"); !errors.Is(err, service.ErrRateLimited) {
			t.Errorf("alice's name after three failures, from a new address: %v", err)
		}
		if u, n, err := login("alice", "third password", "192.0.2.2:1000"); err != nil || u.ID != alice.ID || n != 1 {
			t.Errorf("alice from her usual address, her name's failures spent: %v, %d bcrypt", err, n)
		}
		// A name's bucket refills: one more try after its interval.
		c.t = c.t.Add(20 * time.Second)
		if _, _, err := login("carol", "x", "203.0.113.9:1"); !errors.Is(err, service.ErrBadLogin) {
			t.Errorf("carol after 20 s: %v", err)
		}

		// Per address: IPv6 counts by /64; five failures over five names.
		c.t = c.t.Add(time.Hour)
		for i := range 5 {
			if _, _, err := login("name"+string(rune('a'+i)), "x", "[2001:db8::"+string(rune('1'+i))+"]:1"); !errors.Is(err, service.ErrBadLogin) {
				t.Fatalf("failure %d from 2001:db8::/64: %v", i+1, err)
			}
		}
		if _, _, err := login("namez", "x", "[2001:db8::ffff]:1"); !errors.Is(err, service.ErrRateLimited) {
			t.Errorf("sixth failure from the /64: %v", err)
		}
		if _, _, err := login("namez", "x", "[2001:db8:1::1]:1"); !errors.Is(err, service.ErrBadLogin) {
			t.Errorf("another /64: %v", err)
		}
		// Successes do not count: with one failure allowed and no cache,
		// three logins in a row pass, then one failure, then the limit.
		strict := newLoginService(s, c, service.Limits{
			LoginFailuresPerAddr: service.Rate{Burst: 1, Every: time.Hour},
			LoginFailuresPerUser: service.Rate{Burst: 1, Every: time.Hour},
		})
		try := func(pw string) error {
			_, err := strict.Login(ctx, service.Credentials{Username: "alice", Password: pw, Addr: "192.0.2.7:1"})
			return err
		}
		for i := range 3 {
			if err := try("third password"); err != nil {
				t.Fatalf("login %d of alice: %v", i+1, err)
			}
		}
		if err := try("wrong"); !errors.Is(err, service.ErrBadLogin) {
			t.Errorf("first failure: %v", err)
		}
		if err := try("wrong"); !errors.Is(err, service.ErrRateLimited) {
			t.Errorf("second failure: %v", err)
		}
		if st := strict.AuthStats(); st.HashChecks != 4 || st.Limited != 1 || st.CacheHits != 0 {
			t.Errorf("stats %+v, want 4 checks, 1 limited, no cache hits", st)
		}
	})
}
