package http

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// loginFront is one front end's authenticated request and how it reads
// the answer: ok (logged in), bad (refused credentials) or limited.
type loginFront struct {
	name string
	send func(t *testing.T, base, user, pw string) answer
	read func(a answer) string
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func doAuth(t *testing.T, method, url, ctype, body, auth string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return answer{}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// loginFronts are the three front ends that take HTTP Basic passwords:
// REST (users/ needs a login), XML-RPC (patch_set needs one; patch 0 does
// not exist, which only a logged-in caller learns) and the web (a private
// bundle, which only its owner sees).
func loginFronts() []loginFront {
	return []loginFront{{
		name: "rest",
		send: func(t *testing.T, base, user, pw string) answer {
			return doAuth(t, "GET", base+"/api/users/", "", "", basic(user, pw))
		},
		read: func(a answer) string {
			switch {
			case a.code == 200:
				return "ok"
			case a.code == 403 && strings.Contains(a.body, "Invalid username/password."):
				return "bad"
			case a.code == 429 && strings.Contains(a.body, "Request was throttled. Expected available in ") && a.header.Get("Retry-After") != "":
				return "limited"
			}
			return fmt.Sprintf("%d %.200s", a.code, a.body)
		},
	}, {
		name: "xmlrpc",
		send: func(t *testing.T, base, user, pw string) answer {
			call := `<?xml version="1.0"?><methodCall><methodName>patch_set</methodName><params>` +
				`<param><value><int>0</int></value></param><param><value><struct></struct></value></param></params></methodCall>`
			return doAuth(t, "POST", base+"/xmlrpc/", "text/xml", call, basic(user, pw))
		},
		read: func(a answer) string {
			switch {
			case a.code == 200 && strings.Contains(a.body, "Patch matching query does not exist."):
				return "ok"
			case a.code == 200 && strings.Contains(a.body, "Invalid username/password"):
				return "bad"
			case a.code == 200 && strings.Contains(a.body, "<fault>") && strings.Contains(a.body, "Too many failed logins"):
				return "limited"
			}
			return fmt.Sprintf("%d %.300s", a.code, a.body)
		},
	}, {
		name: "web",
		send: func(t *testing.T, base, user, pw string) answer {
			return doAuth(t, "GET", base+"/bundle/alice/private/", "", "", basic(user, pw))
		},
		read: func(a answer) string {
			switch {
			case a.code == 200:
				return "ok"
			case a.code == 404:
				return "bad"
			case a.code == 429 && strings.Contains(a.body, "Too many failed logins") && a.header.Get("Retry-After") != "":
				return "limited"
			}
			return fmt.Sprintf("%d %.200s", a.code, a.body)
		},
	}}
}

// loginUsers makes alice (a password and a private bundle) and bob (no
// password).
func loginUsers(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	svc := service.New(s, service.Options{})
	admin := service.LocalAdmin()
	alice, _, err := svc.CreateUser(ctx, admin, service.NewUser{Username: "alice", Email: "alice@example.org", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateUser(ctx, admin, service.NewUser{Username: "bob", Email: "bob@example.org"}); err != nil {
		t.Fatal(err)
	}
	p := &store.Project{LinkName: "test", Name: "Test", ListID: "test.example.com", ListEmail: "test@example.com"}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBundle(ctx, &store.Bundle{OwnerID: alice.ID, ProjectID: p.ID, Name: "private"}); err != nil {
		t.Fatal(err)
	}
}

// loginServer serves s with a new service of the limits given.
func loginServer(t *testing.T, s store.Store, limits service.Limits) (*service.Service, string) {
	t.Helper()
	svc := service.New(s, service.Options{Limits: &limits})
	_, base, _ := start(t, Options{Store: s, Service: svc, XMLRPC: true}, nil)
	return svc, base
}

// TestLoginFloodRefused: parallel wrong passwords over real HTTP are
// refused as too many (429, or a fault for XML-RPC) once the failures of
// the address are spent, each refused one without bcrypt; a login already
// made is still accepted during the flood, without bcrypt (the cache).
func TestLoginFloodRefused(t *testing.T) {
	const burst, flood = 4, 16
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		loginUsers(t, s)
		for _, f := range loginFronts() {
			t.Run(f.name, func(t *testing.T) {
				svc, base := loginServer(t, s, service.Limits{
					LoginFailuresPerAddr: service.Rate{Burst: burst, Every: time.Hour},
					LoginFailuresPerUser: service.Rate{Burst: 100, Every: time.Hour},
					LoginCacheTTL:        time.Minute,
					PasswordQueue:        64,
				})
				if got := f.read(f.send(t, base, "alice", "correct horse")); got != "ok" {
					t.Fatalf("first login: %s", got)
				}
				before := svc.AuthStats()
				answers := make([]string, flood)
				var wg sync.WaitGroup
				for i := range answers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						answers[i] = f.read(f.send(t, base, "alice", fmt.Sprintf("wrong %d", i)))
					}()
				}
				wg.Wait()
				count := map[string]int{}
				for _, a := range answers {
					count[a]++
				}
				if count["bad"] != burst || count["limited"] != flood-burst {
					t.Errorf("%d parallel wrong passwords: %v, want %d bad and %d limited", flood, count, burst, flood-burst)
				}
				mid := svc.AuthStats()
				if n := mid.HashChecks - before.HashChecks; n != burst {
					t.Errorf("the flood ran bcrypt %d times, want %d (only the failures allowed)", n, burst)
				}
				// The logged-in client is neither refused nor made to pay.
				if got := f.read(f.send(t, base, "alice", "correct horse")); got != "ok" {
					t.Errorf("correct login during the flood: %s", got)
				}
				after := svc.AuthStats()
				if after.HashChecks != mid.HashChecks || after.CacheHits != mid.CacheHits+1 {
					t.Errorf("correct login during the flood: %d bcrypt, %d cache hits (want 0 and 1)",
						after.HashChecks-mid.HashChecks, after.CacheHits-mid.CacheHits)
				}
				// Another name from the same address is refused too: the
				// address has spent its failures.
				if got := f.read(f.send(t, base, "nobody", "x")); got != "limited" {
					t.Errorf("unknown user from the flooding address: %s", got)
				}
			})
		}
	})
}

// TestUnknownUserCostsTheSame: an unknown user name, a user without a
// password and a wrong password each cost exactly one bcrypt comparison,
// so that the answer's time does not tell which names exist. Counted,
// not timed.
func TestUnknownUserCostsTheSame(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		loginUsers(t, s)
		for _, f := range loginFronts() {
			t.Run(f.name, func(t *testing.T) {
				svc, base := loginServer(t, s, service.DefaultLimits())
				for _, c := range []struct{ what, user, pw string }{
					{"wrong password", "alice", "wrong"},
					{"unknown user", "mallory", "wrong"},
					{"user without a password", "bob", "wrong"},
					{"empty user name", "", "wrong"},
				} {
					before := svc.AuthStats().HashChecks
					if got := f.read(f.send(t, base, c.user, c.pw)); got != "bad" {
						t.Errorf("%s: %s", c.what, got)
					}
					if n := svc.AuthStats().HashChecks - before; n != 1 {
						t.Errorf("%s: %d bcrypt comparisons, want 1", c.what, n)
					}
				}
			})
		}
	})
}
