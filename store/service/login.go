package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchwork-go/patchwork/store"
)

// Credentials are a user name and password as a front end received them
// (HTTP Basic), with the address they came from.
type Credentials struct {
	Username string
	Password string
	// Addr is the client's address ("host:port" or a bare host); "" when
	// the front end has none.
	Addr string
}

// ErrBadLogin is the Kind of a refused user name and password: the same
// for an unknown user, a user without a password and a wrong password.
var ErrBadLogin = errors.New("invalid username/password")

var errBadLogin = &Error{Kind: ErrBadLogin, Msg: "Invalid username/password."}

// Login checks a user name and password, the one password login of REST,
// XML-RPC and the web. It answers a user who matched (active or not: the
// caller words that refusal), ErrBadLogin, or ErrRateLimited when the
// client's address or the user name has failed too often or the server is
// too busy checking passwords. Credentials that matched within
// LoginCacheTTL (and whose user's password has not changed since) are
// answered without bcrypt and without limits, so that a client sending
// them on every request pays bcrypt once and an attack on its address or
// name does not lock it out. Everything else costs one slow hash
// comparison, for unknown users too, so that neither time nor answer tells
// which user names exist.
func (s *Service) Login(ctx context.Context, c Credentials) (*store.User, error) {
	a := s.auth
	now := s.clock()
	ck := a.cacheKey(c.Username, c.Password)
	if id, hash, ok := a.cached(ck, now); ok {
		u, err := s.st.GetUserByName(ctx, c.Username)
		if err == nil && u.ID == id && u.PasswordHash == hash {
			a.cacheHits.Add(1)
			return u, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("user %q: %w", c.Username, err)
		}
		a.forget(ck)
	}
	name, src := boundedKey(strings.ToLower(c.Username)), SourceKey(c.Addr)
	tk := a.trustKey(name, src)
	var pairs []bucketKey
	// Strangers spending a name's failures must not lock its owner out:
	// an address the name logged in from lately skips the name's bucket
	// (its own address bucket still applies).
	if src == "" || !a.trusted(tk, now) {
		pairs = append(pairs, bucketKey{a.loginUser, name})
	}
	if src != "" {
		pairs = append(pairs, bucketKey{a.loginAddr, src})
	}
	if ok, wait := takeAll(now, pairs...); !ok {
		a.limited.Add(1)
		return nil, limitedf(wait, "Too many failed logins: try again in %d seconds.", secondsOf(wait))
	}
	u, err := s.st.GetUserByName(ctx, c.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		putAll(now, pairs...)
		return nil, fmt.Errorf("user %q: %w", c.Username, err)
	}
	if err != nil {
		u = nil
	}
	match, err := s.verify(ctx, u, c.Password)
	var refused *admitError
	if errors.As(err, &refused) {
		// Not checked: it does not count as a failure.
		putAll(now, pairs...)
		if errors.Is(refused.err, ErrRateLimited) {
			a.limited.Add(1)
		}
		return nil, refused.err
	}
	if !match {
		if err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	// A success does not count against the address or the name.
	putAll(now, pairs...)
	a.remember(ck, u, now)
	if src != "" {
		a.trust(tk, now)
	}
	// err is a failed re-hash of an upstream password: the login stands.
	return u, err
}

// VerifyPassword reports whether pw is u's password (store.CheckPassword:
// a hash imported from upstream is re-hashed to ours on its first match;
// err reports only a failed re-hash, the login stands), with no limits and
// no cache: for a user who is already logged in confirming a change. It
// costs as much for an unknown user (nil) or one without a usable
// password. Whether u is active is the caller's to check.
func (s *Service) VerifyPassword(ctx context.Context, u *store.User, pw string) (bool, error) {
	ok, err := s.verify(ctx, u, pw)
	var refused *admitError
	if errors.As(err, &refused) {
		return false, refused.err
	}
	return ok, err
}

// errBusy is a password check refused because too many wait for one.
var errBusy = &Error{Kind: ErrRateLimited, Msg: "The server is busy checking passwords: try again in a second.", RetryAfter: time.Second}

// admitError is a password check that did not run: the queue was full or
// the request ended while waiting.
type admitError struct{ err error }

func (e *admitError) Error() string { return e.err.Error() }

// verify runs one slow hash comparison within the bound on concurrent
// ones: u's hash, or for a user who has none we can check (unknown, no
// password, an unreadable hash) the dummy one, so the work is the same.
func (s *Service) verify(ctx context.Context, u *store.User, pw string) (bool, error) {
	a := s.auth
	if err := a.acquire(ctx); err != nil {
		return false, &admitError{err}
	}
	defer a.release()
	a.hashChecks.Add(1)
	if u == nil || !usableHash(u.PasswordHash) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
		return false, nil
	}
	return store.CheckPassword(ctx, s.st, u, pw)
}

// usableHash reports whether h is a hash store.CheckPassword compares
// slowly: a bcrypt one, or upstream's. An unusable one ("!", from
// upstream's set_unusable_password, or "") would answer at once.
func usableHash(h string) bool {
	if store.IsDjangoHash(h) {
		return true
	}
	_, err := bcrypt.Cost([]byte(h))
	return err == nil
}

// dummyHash is a bcrypt hash, at the cost HashPassword uses, of nothing
// anyone knows: the comparison users without a checkable password get. A
// constant, so that the first unknown user does not also pay for making
// it.
var dummyHash = []byte("$2a$10$dNuAKBpj9FIDJG28Eo08P.MaVtVqFzTd3iQl6FW0p8cXYEoE395BC")

// AuthStats count the password work of a service since it started, for
// metrics and for the tests that check that unknown and known users cost
// the same (counted, not timed).
type AuthStats struct {
	// HashChecks is slow hash comparisons run (bcrypt, or upstream's
	// PBKDF2 for imported passwords), dummy ones included.
	HashChecks uint64
	// CacheHits is logins answered from the cache of recent successes.
	CacheHits uint64
	// Limited is logins refused as too many (ErrRateLimited).
	Limited uint64
}

// AuthStats reads the counters.
func (s *Service) AuthStats() AuthStats {
	a := s.auth
	return AuthStats{HashChecks: a.hashChecks.Load(), CacheHits: a.cacheHits.Load(), Limited: a.limited.Load()}
}

// authState is what every copy of a service (InTx, With) shares: the
// limits' buckets, the cache and the bound on bcrypt work.
type authState struct {
	limits                         Limits
	loginAddr, loginUser           *buckets
	regAddr, regKey, regEmail      *buckets
	keyReq                         *buckets // key tokens per account
	slots                          chan struct{}
	waiting                        atomic.Int64
	hashChecks, cacheHits, limited atomic.Uint64

	// cacheSecret keys the cache's HMAC: made per process, so the keys of
	// the map tell nothing about the passwords even to someone reading
	// the process's memory without it.
	cacheSecret []byte
	mu          sync.Mutex
	cache       map[[sha256.Size]byte]cacheEntry
	// known is, by a keyed hash of (name, source), until when a source
	// that logged in as a name is let past the name's limit.
	known map[[sha256.Size]byte]time.Time
}

// trustFor is how long a successful login lets its address past its
// name's limit.
const trustFor = 30 * 24 * time.Hour

// cacheEntry is a recent success: whose, with which stored hash (a changed
// password, here or in another process, no longer matches), until when.
type cacheEntry struct {
	userID  int64
	hash    string
	expires time.Time
}

// maxCached bounds the cache; beyond it, expired entries go, then any.
const maxCached = 10_000

func newAuthState(l Limits) *authState {
	n := l.PasswordChecks
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)-1)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand does not fail on supported systems
	return &authState{
		limits:      l,
		loginAddr:   newBuckets(l.LoginFailuresPerAddr),
		loginUser:   newBuckets(l.LoginFailuresPerUser),
		regAddr:     newBuckets(l.RegistrationsPerAddr),
		regKey:      newBuckets(l.RegistrationsPerKey),
		regEmail:    newBuckets(l.RegistrationMailsPerEmail),
		keyReq:      newBuckets(l.RegistrationsPerKey),
		slots:       make(chan struct{}, n),
		cacheSecret: secret,
		cache:       map[[sha256.Size]byte]cacheEntry{},
		known:       map[[sha256.Size]byte]time.Time{},
	}
}

// acquire waits for a bcrypt slot, or refuses at once when the queue is
// full: a waiting request holds a connection, and more of them than we
// can serve in a few seconds only make every answer late.
func (a *authState) acquire(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
	}
	if q := a.limits.PasswordQueue; q > 0 && a.waiting.Add(1) > int64(q) {
		a.waiting.Add(-1)
		return errBusy
	} else if q > 0 {
		defer a.waiting.Add(-1)
	}
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *authState) release() { <-a.slots }

func (a *authState) cacheKey(username, password string) [sha256.Size]byte {
	return a.mac("login", username, password)
}

func (a *authState) trustKey(name, src string) [sha256.Size]byte {
	return a.mac("known", name, src)
}

// mac is the HMAC of the parts, each ended by a NUL (which no user name,
// Basic password or address holds, so parts cannot run together).
func (a *authState) mac(parts ...string) [sha256.Size]byte {
	m := hmac.New(sha256.New, a.cacheSecret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	var k [sha256.Size]byte
	copy(k[:], m.Sum(nil))
	return k
}

func (a *authState) trusted(k [sha256.Size]byte, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.known[k]
	return ok && now.Before(until)
}

func (a *authState) trust(k [sha256.Size]byte, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.known) >= maxCached {
		for tk, until := range a.known {
			if !now.Before(until) || len(a.known) >= maxCached {
				delete(a.known, tk)
			}
			if len(a.known) < maxCached/2 {
				break
			}
		}
	}
	a.known[k] = now.Add(trustFor)
}

func (a *authState) cached(k [sha256.Size]byte, now time.Time) (int64, string, bool) {
	if a.limits.LoginCacheTTL <= 0 {
		return 0, "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.cache[k]
	if !ok || !now.Before(e.expires) {
		return 0, "", false
	}
	return e.userID, e.hash, true
}

func (a *authState) remember(k [sha256.Size]byte, u *store.User, now time.Time) {
	if a.limits.LoginCacheTTL <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxCached {
		for ck, e := range a.cache {
			if !now.Before(e.expires) || len(a.cache) >= maxCached {
				delete(a.cache, ck)
			}
			if len(a.cache) < maxCached/2 {
				break
			}
		}
	}
	a.cache[k] = cacheEntry{userID: u.ID, hash: u.PasswordHash, expires: now.Add(a.limits.LoginCacheTTL)}
}

func (a *authState) forget(k [sha256.Size]byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.cache, k)
}

// forgetUser drops every cached success of a user (a password change).
func (a *authState) forgetUser(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, e := range a.cache {
		if e.userID == id {
			delete(a.cache, k)
		}
	}
}

// boundedKey is name as a bucket's key: a name longer than any account's
// is kept as its hash, so that a flood of long made-up names costs the
// buckets no more memory than short ones.
func boundedKey(name string) string {
	if len(name) <= 2*sha256.Size {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func secondsOf(d time.Duration) int { return max(1, int((d+time.Second-1)/time.Second)) }
