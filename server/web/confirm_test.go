package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// confirmClock is the web view's fixed clock in these tests.
var confirmClock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// confirmEnv is a web view whose only data are registrations.
type confirmEnv struct {
	*env
}

func newConfirmEnv(t *testing.T, s store.Store) *confirmEnv {
	srv := httptest.NewServer(web.New(web.Options{Store: s, BaseURL: "https://pw.example.org", Now: func() time.Time { return confirmClock }}))
	t.Cleanup(srv.Close)
	return &confirmEnv{env: &env{t: t, s: s, srv: srv}}
}

// registration stores a pending registration as `ssh register` does and
// returns its token and the fingerprint of its new key.
func (e *confirmEnv) registration(username, email string, age time.Duration) (token, fingerprint string) {
	e.t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		e.t.Fatal(err)
	}
	// Random like the real ones: subtests share the database.
	var tok [20]byte
	if _, err := rand.Read(tok[:]); err != nil {
		e.t.Fatal(err)
	}
	token = fmt.Sprintf("%x", tok)
	conf := &store.Confirmation{
		Type: store.ConfirmationRegistration, Email: email, Key: token, Date: confirmClock.Add(-age),
		Active: true, Username: username, PublicKey: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))),
	}
	if err := e.s.CreateConfirmation(context.Background(), conf); err != nil {
		e.t.Fatal(err)
	}
	return token, gossh.FingerprintSHA256(pk)
}

// browserPost is what a browser sends for our own form.
func (e *confirmEnv) browserPost(path string) resp {
	e.t.Helper()
	return e.do(http.MethodPost, path, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin", "Referer", e.srv.URL+path)
}

// noAccount checks that confirming wrote nothing: no user by that name, the
// key unknown.
func (e *confirmEnv) noAccount(username, fingerprint string) {
	e.t.Helper()
	ctx := context.Background()
	if u, err := e.s.GetUserByName(ctx, username); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("user %q exists (%+v, %v)", username, u, err)
	}
	if u, err := e.s.UserBySSHKey(ctx, fingerprint); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("key %s belongs to %+v (%v)", fingerprint, u, err)
	}
}

func TestConfirm(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newConfirmEnv(t, s)
		t.Run("flow", e.testConfirmFlow)
		t.Run("crossOrigin", e.testConfirmCrossOrigin)
		t.Run("expired", e.testConfirmExpired)
		t.Run("conflict", e.testConfirmConflict)
		t.Run("concurrent", e.testConfirmConcurrent)
		t.Run("xss", e.testConfirmXSS)
	})
}

func (e *confirmEnv) sub(t *testing.T) *confirmEnv { c := *e; c.env = e.env.sub(t); return &c }

func (e *confirmEnv) testConfirmFlow(t *testing.T) {
	e = e.sub(t)
	ctx := context.Background()
	if _, err := e.s.UpsertPerson(ctx, "Carol@Example.org", "Carol", false); err != nil {
		t.Fatal(err)
	}
	token, fp := e.registration("carol", "carol@example.org", 6*24*time.Hour)
	path := "/confirm/" + token + "/"

	e.redirectsTo("/confirm/"+token, path)
	r := e.get(path)
	e.expect(r, path, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	d := parseHTML(t, r.body)
	inert(t, "confirm page", d)
	contains(t, "confirm page", d.Text, "carol", "carol@example.org", fp, "Create account")
	var form bool
	for _, el := range d.Elems {
		if el.Name == "form" && strings.EqualFold(el.Attr["method"], "post") && el.Attr["action"] == path {
			form = true
		}
	}
	if !form {
		t.Fatalf("no POST form to %s:\n%s", path, r.body)
	}
	// Looking is not confirming.
	e.noAccount("carol", fp)
	e.expect(e.do(http.MethodPut, path), "PUT", http.StatusMethodNotAllowed)
	e.noAccount("carol", fp)

	r = e.browserPost(path)
	e.expect(r, "POST "+path, http.StatusOK)
	contains(t, "created page", parseHTML(t, r.body).Text, "Account created", "carol", fp)
	u, err := e.s.UserBySSHKey(ctx, fp)
	if err != nil {
		t.Fatalf("UserBySSHKey after confirming: %v", err)
	}
	if u.Username != "carol" || u.Email != "carol@example.org" || !u.Active {
		t.Errorf("user %+v", u)
	}
	if p, err := e.s.GetPersonByEmail(ctx, "carol@example.org"); err != nil || p.UserID != u.ID {
		t.Errorf("person of carol: %+v %v, want linked to user %d", p, err, u.ID)
	}
	keys, err := e.s.ListSSHKeys(ctx, u.ID)
	if err != nil || len(keys) != 1 || keys[0].Fingerprint != fp || !strings.HasPrefix(keys[0].Key, "ssh-ed25519 AAAA") {
		t.Errorf("keys of carol: %+v %v", keys, err)
	}

	// Used up: a second POST and the page itself fail cleanly.
	r = e.browserPost(path)
	e.expect(r, "second POST", http.StatusNotFound)
	contains(t, "second POST", r.body, "unknown, already used or expired")
	e.expect(e.get(path), "GET after use", http.StatusNotFound)
	e.notFound("/confirm/"+strings.Repeat("0", 40)+"/", "/confirm/"+strings.Repeat("a", 500)+"/", "/confirm/a/b/", "/confirm/")
	r = e.browserPost("/confirm/" + strings.Repeat("0", 40) + "/")
	e.expect(r, "POST unknown token", http.StatusNotFound)
}

func (e *confirmEnv) testConfirmCrossOrigin(t *testing.T) {
	e = e.sub(t)
	token, fp := e.registration("mallory-target", "victim@example.org", time.Hour)
	path := "/confirm/" + token + "/"
	for _, hdr := range [][]string{
		{"Origin", "https://evil.example"},
		{"Origin", "https://evil.example", "Referer", e.srv.URL + path},
		{"Origin", "null"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://sub.pw.example.org"},
		{"Referer", "https://evil.example/form.html"},
		{"Referer", "not a url"},
	} {
		r := e.do(http.MethodPost, path, hdr...)
		e.expect(r, fmt.Sprintf("POST with %q", hdr), http.StatusForbidden)
		contains(t, "refusal", r.body, "another site")
	}
	e.noAccount("mallory-target", fp)
	// The token still works from our own page, and from the public origin
	// a proxy in front of us presents.
	e.expect(e.get(path), "GET after refusals", http.StatusOK)
	r := e.do(http.MethodPost, path, "Origin", "https://pw.example.org", "Referer", "https://pw.example.org"+path)
	e.expect(r, "POST from the base URL's origin", http.StatusOK)
	if _, err := e.s.UserBySSHKey(context.Background(), fp); err != nil {
		t.Errorf("after a same-origin POST: %v", err)
	}
}

func (e *confirmEnv) testConfirmExpired(t *testing.T) {
	e = e.sub(t)
	token, fp := e.registration("late", "late@example.org", 7*24*time.Hour+time.Minute)
	path := "/confirm/" + token + "/"
	e.expect(e.get(path), "GET expired", http.StatusNotFound)
	r := e.browserPost(path)
	e.expect(r, "POST expired", http.StatusNotFound)
	contains(t, "POST expired", r.body, "unknown, already used or expired")
	e.noAccount("late", fp)
}

// testConfirmConflict: the name was taken after the mail went out; nothing
// is written and the token stays usable for nothing else.
func (e *confirmEnv) testConfirmConflict(t *testing.T) {
	e = e.sub(t)
	ctx := context.Background()
	if err := e.s.CreateUser(ctx, &store.User{Username: "taken", Email: "first@example.org", Active: true, DateJoined: confirmClock}); err != nil {
		t.Fatal(err)
	}
	token, fp := e.registration("taken", "second@example.org", time.Hour)
	r := e.browserPost("/confirm/" + token + "/")
	e.expect(r, "POST taken name", http.StatusConflict)
	contains(t, "POST taken name", parseHTML(t, r.body).Text, `"taken"`, "register again")
	if _, err := e.s.UserBySSHKey(ctx, fp); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("key registered despite the conflict: %v", err)
	}
	if _, err := e.s.GetUserByEmail(ctx, "second@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user created despite the conflict: %v", err)
	}
}

// testConfirmConcurrent: two POSTs of one token at once create one account;
// the other is told the token is used. These come without browser headers,
// as a script's would.
func (e *confirmEnv) testConfirmConcurrent(t *testing.T) {
	e = e.sub(t)
	token, fp := e.registration("twice", "twice@example.org", time.Hour)
	path := "/confirm/" + token + "/"
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, nil)
			if err != nil {
				t.Error(err)
				return
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 404 || codes[0] == 404 && codes[1] == 200) {
		t.Errorf("two POSTs at once: statuses %v, want one 200 and one 404", codes)
	}
	if u, err := e.s.UserBySSHKey(context.Background(), fp); err != nil || u.Username != "twice" {
		t.Errorf("UserBySSHKey: %+v %v", u, err)
	}
}

func (e *confirmEnv) testConfirmXSS(t *testing.T) {
	e = e.sub(t)
	name := `<script>alert(1)</script>`
	email := `x"><img src=x onerror=alert(1)>@example.org`
	token, fp := e.registration(name, email, time.Hour)
	path := "/confirm/" + token + "/"
	r := e.get(path)
	e.expect(r, "GET xss", http.StatusOK)
	d := parseHTML(t, r.body)
	inert(t, "confirm page", d)
	contains(t, "confirm page text", d.Text, name, email)
	r = e.browserPost(path)
	e.expect(r, "POST xss", http.StatusOK)
	d = parseHTML(t, r.body)
	inert(t, "created page", d)
	contains(t, "created page text", d.Text, name, email, fp)
	lacks(t, "created page", r.body, "<script>", "<img")
}
