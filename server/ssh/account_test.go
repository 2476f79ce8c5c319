package ssh

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestAccountCommands(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		ctx := context.Background()

		t.Run("token", func(t *testing.T) {
			r := run(t, srv, f.maintAKey, "", "token").ok(t, "token")
			tok := strings.TrimSpace(r.out)
			if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(tok) {
				t.Fatalf("token %q is not 40 hex digits", tok)
			}
			// Only its hash is kept: it cannot be shown again.
			run(t, srv, f.maintAKey, "", "token").fails(t, "second token", "token --regenerate")
			if u, err := st.UserByToken(ctx, tok); err != nil || u.ID != f.maintA.ID {
				t.Fatalf("UserByToken(%q) = %v, %v", tok, u, err)
			}
			fresh := strings.TrimSpace(run(t, srv, f.maintAKey, "", "token --regenerate").ok(t, "token --regenerate").out)
			if fresh == tok || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(fresh) {
				t.Fatalf("regenerated token %q (was %q)", fresh, tok)
			}
			if _, err := st.UserByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the replaced token still works: %v", err)
			}
			if u, err := st.UserByToken(ctx, fresh); err != nil || u.ID != f.maintA.ID {
				t.Fatalf("UserByToken(new) = %v, %v", u, err)
			}
			run(t, srv, newKey(t), "", "token").fails(t, "anonymous token", "permission denied")
		})

		t.Run("keys", func(t *testing.T) {
			k2 := newKey(t)
			line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k2.PublicKey()))) + " laptop"
			r := run(t, srv, f.maintBKey, line+"\n", "keys add").ok(t, "keys add (stdin)")
			fp := gossh.FingerprintSHA256(k2.PublicKey())
			tok := keyToken(t, r.out, fp)
			// Not bob's until a session with the key itself confirms.
			if r := run(t, srv, k2, "", "whoami").ok(t, "whoami unconfirmed key"); !strings.Contains(r.out, "anonymous") {
				t.Fatalf("an unconfirmed key logs in:\n%s", r.out)
			}
			run(t, srv, f.maintBKey, "", "confirm "+tok).fails(t, "confirm from bob's other key", "connect with that key")
			if r := run(t, srv, k2, "", "confirm "+tok).ok(t, "confirm with the key"); !strings.Contains(r.out, "added ssh-ed25519 "+fp+" to bob") {
				t.Errorf("confirm output %q", r.out)
			}
			// The new key logs in as bob.
			if r := run(t, srv, k2, "", "whoami").ok(t, "whoami new key"); !strings.Contains(r.out, "bob") {
				t.Fatalf("new key is not bob's:\n%s", r.out)
			}
			r = run(t, srv, k2, "", "keys list").ok(t, "keys list")
			if !strings.Contains(r.out, fp+" ") || !strings.Contains(r.out, "laptop") || !strings.Contains(r.out, "(this session)") ||
				!strings.Contains(r.out, gossh.FingerprintSHA256(f.maintBKey.PublicKey())) {
				t.Errorf("keys list:\n%s", r.out)
			}
			run(t, srv, k2, "", "confirm "+tok).fails(t, "token reuse", "unknown, used or expired")
			// Alice asking for bob's key gets the answer a free key gets,
			// and cannot take it: only its holder can confirm, and that
			// is bob.
			r = run(t, srv, f.maintAKey, line, "keys add").ok(t, "someone else's key")
			tok2 := keyToken(t, r.out, fp)
			free := newKey(t)
			freeFP := gossh.FingerprintSHA256(free.PublicKey())
			rf := run(t, srv, f.maintAKey, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(free.PublicKey()))), "keys add").ok(t, "a free key")
			if a, b := strings.ReplaceAll(strings.ReplaceAll(r.out, fp, "FP"), tok2, "TOKEN"), strings.ReplaceAll(strings.ReplaceAll(rf.out, freeFP, "FP"), keyToken(t, rf.out, freeFP), "TOKEN"); a != b {
				t.Errorf("keys add tells a registered key from a free one:\n%s\n---\n%s", a, b)
			}
			run(t, srv, k2, "", "confirm "+tok2).fails(t, "alice's token from bob's key", `already belongs to your account "bob"`)
			if r := run(t, srv, k2, "", "whoami").ok(t, "whoami bob's key"); !strings.Contains(r.out, "bob") {
				t.Fatalf("bob's key changed hands:\n%s", r.out)
			}
			run(t, srv, f.maintBKey, "", "keys add not-a-key").fails(t, "bad key", "authorized_keys")
			run(t, srv, f.maintBKey, "", "keys remove "+fp).ok(t, "keys remove")
			if r := run(t, srv, k2, "", "whoami").ok(t, "whoami removed key"); !strings.Contains(r.out, "anonymous") {
				t.Fatalf("removed key still logs in as bob:\n%s", r.out)
			}
			run(t, srv, f.maintBKey, "", "keys remove "+gossh.FingerprintSHA256(f.maintBKey.PublicKey())).fails(t, "remove last key", "only key")
			run(t, srv, f.maintBKey, "", "keys remove SHA256:nope").fails(t, "remove unknown key", "no key")
		})

		t.Run("password", func(t *testing.T) {
			run(t, srv, f.maintAKey, "short\n", "password").fails(t, "short password", "too short")
			run(t, srv, f.maintAKey, "correct horse battery\n", "password").ok(t, "password")
			u, err := st.GetUser(ctx, f.maintA.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("correct horse battery")); err != nil {
				t.Fatalf("stored hash does not match: %v", err)
			}
			if u.Email != f.maintA.Email || !u.Active {
				t.Fatalf("password change clobbered the user: %+v", u)
			}
			run(t, srv, nil, "whatever123\n", "password").fails(t, "anonymous password", "permission denied")
		})

		t.Run("optout", func(t *testing.T) {
			run(t, srv, f.maintAKey, "", "optout").ok(t, "optout")
			if out, err := st.IsOptedOut(ctx, f.maintA.Email); err != nil || !out {
				t.Fatalf("IsOptedOut after optout = %v, %v", out, err)
			}
			run(t, srv, f.maintAKey, "", "optin").ok(t, "optin")
			if out, err := st.IsOptedOut(ctx, f.maintA.Email); err != nil || out {
				t.Fatalf("IsOptedOut after optin = %v, %v", out, err)
			}
		})

		t.Run("user admin", func(t *testing.T) {
			run(t, srv, f.maintAKey, "", "user list").fails(t, "non-admin", "not an admin")
			k := newKey(t)
			key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
			run(t, srv, f.adminKey, "", "user add carol --email carol@example.org --key '"+key+"'").ok(t, "user add")
			// The same account as `patchworkd user add` makes (the one
			// SendEmail default; it was on here, off locally), and no
			// person until carol's address sends mail.
			carol, err := st.GetUserByName(ctx, "carol")
			if err != nil {
				t.Fatal(err)
			}
			if carol.SendEmail != service.DefaultSendEmail || carol.ItemsPerPage != service.DefaultItemsPerPage {
				t.Errorf("carol's settings: send_email %v, items_per_page %d", carol.SendEmail, carol.ItemsPerPage)
			}
			if p, err := st.GetPersonByEmail(ctx, "carol@example.org"); err == nil {
				t.Errorf("user add made person %+v", p)
			}
			if r := run(t, srv, k, "", "whoami").ok(t, "whoami carol"); !strings.Contains(r.out, "carol") {
				t.Fatalf("carol's key:\n%s", r.out)
			}
			run(t, srv, f.adminKey, "", "user maintainer carol alpha").ok(t, "user maintainer")
			run(t, srv, k, "", "set-state "+itoa(f.patches[1].ID)+" rfc").ok(t, "carol as maintainer")
			run(t, srv, f.adminKey, "", "user maintainer carol alpha --remove").ok(t, "user maintainer --remove")
			run(t, srv, k, "", "set-state "+itoa(f.patches[1].ID)+" new").fails(t, "carol no longer maintainer", "permission denied")
			k2 := newKey(t)
			run(t, srv, f.adminKey, "", "user key add carol "+strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k2.PublicKey())))).ok(t, "user key add")
			if r := run(t, srv, f.adminKey, "", "user key list carol").ok(t, "user key list"); !strings.Contains(r.out, gossh.FingerprintSHA256(k2.PublicKey())) {
				t.Errorf("user key list:\n%s", r.out)
			}
			tok := strings.TrimSpace(run(t, srv, f.adminKey, "", "user token carol").ok(t, "user token").out)
			if len(tok) != 40 {
				t.Errorf("user token %q", tok)
			}
			if r := run(t, srv, f.adminKey, "", "user list").ok(t, "user list"); !strings.Contains(r.out, "carol@example.org") || !strings.Contains(r.out, "root") {
				t.Errorf("user list:\n%s", r.out)
			}
			run(t, srv, f.adminKey, "", "user add carol --email c2@example.org").fails(t, "duplicate user", "already exists")
			run(t, srv, f.adminKey, "", "user admin root --remove").fails(t, "self-demotion", "your own")
		})
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// keyToken is the token keys add printed for the key fp.
func keyToken(t *testing.T, out, fp string) string {
	t.Helper()
	m := regexp.MustCompile(`confirm ([0-9a-f]{40})`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, fp) {
		t.Fatalf("keys add output has no token for %s:\n%s", fp, out)
	}
	return m[1]
}

// regServer is a server that registers by mail through a real SMTP
// server, with a service of the registration limits given.
func regServer(t *testing.T, st store.Store, limits service.Limits) (*Server, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	mailer, err := notify.NewMailer(notify.SMTPOptions{Host: smtp.Host, Port: smtp.Port, TLS: "none", Timeout: 10 * time.Second}, "Patchwork <patchwork@patchwork.test>")
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{Now: func() time.Time { return testClock }, Limits: &limits})
	srv := startServer(t, st, func(o *Options) { o.AllowAnonymous = false; o.Mailer = mailer; o.Service = svc })
	return srv, smtp
}

// mailTo is the one mail of msgs to addr.
func mailTo(t *testing.T, msgs []smtptest.Message, addr string) string {
	t.Helper()
	var found []string
	for _, m := range msgs {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) {
			found = append(found, string(m.Data))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails to %s in %d", len(found), addr, len(msgs))
	}
	return found[0]
}

var tokenRE = regexp.MustCompile(`confirm ([0-9a-f]{40})`)

// registerAnswer is a register answer with its address, name and key
// taken out, to compare answers.
func registerAnswer(r result, email, name string) string {
	out := strings.NewReplacer(email, "ADDR", `"`+name+`"`, "NAME").Replace(r.out + r.err)
	return fingerprintRE.ReplaceAllString(out, "FP")
}

var fingerprintRE = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]+`)

// TestRegistration: an unknown key registers, the confirmation mail
// arrives at a real SMTP server, and confirming creates the user and key.
// Asking with an address that has an account answers the same, and only
// the address's owner learns why no token came; a key and an address
// are limited.
func TestRegistration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv, smtp := regServer(t, st, service.Limits{
			RegistrationsPerAddr:      service.Rate{Burst: 10, Every: 10 * time.Minute},
			RegistrationsPerKey:       service.Rate{Burst: 2, Every: 10 * time.Minute},
			RegistrationMailsPerEmail: service.Rate{Burst: 1, Every: 10 * time.Minute},
		})

		newcomer := newKey(t)
		run(t, srv, newcomer, "", "whoami").fails(t, "before registering", "register it with")
		run(t, srv, newcomer, "", "register --email 'not an address'").fails(t, "bad address", "bad e-mail")
		run(t, srv, f.maintAKey, "", "register --email x@example.org").fails(t, "known key", "already belongs to alice")
		run(t, srv, newcomer, "", "register --email x@example.org --username "+strings.Repeat("a", 151)).fails(t, "151-character name", "bad user name")
		run(t, srv, newcomer, "", "register --email x@example.org --username a/b").fails(t, "slash in name", "bad user name")

		taken := run(t, srv, newcomer, "", "register --email alice@example.org --username alice2").ok(t, "address with an account")
		r := run(t, srv, newcomer, "", "register --email Dave@Example.org --username dave").ok(t, "register")
		if !strings.Contains(r.out, "Dave@Example.org") || strings.Contains(r.out+r.err, "confirm ") {
			t.Fatalf("register output must name the address and not leak the token:\n%s%s", r.out, r.err)
		}
		if a, b := registerAnswer(taken, "alice@example.org", "alice2"), registerAnswer(r, "Dave@Example.org", "dave"); a != b {
			t.Errorf("register tells an address with an account from a free one:\n%s\n---\n%s", a, b)
		}
		// The server is not a mail cannon: a key asks twice, an address
		// gets one mail.
		run(t, srv, newcomer, "", "register --email e@example.org --username e").fails(t, "third register of the key", "too many registration requests")
		run(t, srv, newKey(t), "", "register --email dave@example.org --username dave2").fails(t, "same address, other key", "a confirmation mail went to dave@example.org")
		msgs := smtp.Wait(2, 10*time.Second)
		if len(msgs) != 2 {
			t.Fatalf("mails: %+v", msgs)
		}
		owner := mailTo(t, msgs, "alice@example.org")
		if tokenRE.MatchString(owner) || !strings.Contains(owner, `already has the account "alice"`) {
			t.Errorf("mail to the address's owner:\n%s", owner)
		}
		mail := mailTo(t, msgs, "dave@example.org")
		m := tokenRE.FindStringSubmatch(mail)
		if m == nil {
			t.Fatalf("no token in mail:\n%s", mail)
		}
		// With a base URL the mail also carries the web view's link.
		if link := "http://patchwork.test/confirm/" + m[1] + "/"; !strings.Contains(mail, link) {
			t.Errorf("mail lacks %s:\n%s", link, mail)
		}
		run(t, srv, newcomer, "", "confirm 0000000000000000000000000000000000000000").fails(t, "wrong token", "unknown, used or expired")
		r = run(t, srv, newcomer, "", "confirm "+m[1]).ok(t, "confirm")
		if !strings.Contains(r.out, "dave") {
			t.Errorf("confirm output %q", r.out)
		}
		if r := run(t, srv, newcomer, "", "whoami").ok(t, "whoami after confirm"); !strings.Contains(r.out, "dave") || !strings.Contains(r.out, "Dave@Example.org") {
			t.Fatalf("whoami after confirm:\n%s", r.out)
		}
		run(t, srv, newcomer, "", "confirm "+m[1]).fails(t, "token reuse", "unknown, used or expired")
	})
}

// countConfirmations counts (and deletes) the stored confirmations.
func countConfirmations(t *testing.T, st store.Store) int {
	t.Helper()
	n, err := st.ExpireConfirmations(context.Background(), testClock.AddDate(100, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRegistrationNoTrace: a taken name answers as a free one (its mail
// says so), a mail the SMTP server refuses leaves no confirmation row and
// can be asked again, and one source address is limited whatever the
// keys.
func TestRegistrationNoTrace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		newFixture(t, st)
		srv, smtp := regServer(t, st, service.Limits{
			RegistrationsPerAddr:      service.Rate{Burst: 4, Every: 10 * time.Minute},
			RegistrationsPerKey:       service.Rate{Burst: 3, Every: 10 * time.Minute},
			RegistrationMailsPerEmail: service.Rate{Burst: 3, Every: 10 * time.Minute},
		})
		k := newKey(t)
		taken := run(t, srv, k, "", "register --email new@example.org --username alice").ok(t, "taken name")
		free := run(t, srv, newKey(t), "", "register --email other@example.org --username other").ok(t, "free name")
		if a, b := registerAnswer(taken, "new@example.org", "alice"), registerAnswer(free, "other@example.org", "other"); a != b {
			t.Errorf("register tells a taken name from a free one:\n%s\n---\n%s", a, b)
		}
		msgs := smtp.Wait(2, 10*time.Second)
		if m := mailTo(t, msgs, "new@example.org"); tokenRE.MatchString(m) || !strings.Contains(m, `The user name "alice" is taken`) {
			t.Errorf("mail for a taken name:\n%s", m)
		}
		if n := countConfirmations(t, st); n != 1 {
			t.Errorf("%d confirmations, want 1 (the free name's)", n)
		}
		smtp.FailNext(1)
		run(t, srv, k, "", "register --email new@example.org --username newbie").fails(t, "refused mail", "could not send the confirmation mail")
		if n := countConfirmations(t, st); n != 0 {
			t.Errorf("a refused mail left %d confirmations", n)
		}
		run(t, srv, k, "", "register --email new@example.org --username newbie").ok(t, "register again after a refused mail")
		if n := countConfirmations(t, st); n != 1 {
			t.Errorf("%d confirmations after the retry, want 1", n)
		}
		// Four requests from 127.0.0.1 so far, each from some key: the
		// address has spent its requests, a fresh key changes nothing.
		run(t, srv, newKey(t), "", "register --email z@example.org").fails(t, "fifth request of the address", "too many registration requests")
	})
}
