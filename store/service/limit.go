package service

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ErrRateLimited is the Kind of a refusal because one source address, user
// name or key asked too often (or the server is too busy checking
// passwords); Error.RetryAfter says when to ask again. REST and the web
// answer 429, XML-RPC a fault, SSH a message.
var ErrRateLimited = errors.New("too many attempts")

func limitedf(retry time.Duration, format string, args ...any) error {
	return &Error{Kind: ErrRateLimited, Msg: fmt.Sprintf(format, args...), RetryAfter: retry}
}

// RetryAfter is how long err asks the client to wait, rounded up to whole
// seconds and at least 1; 0 when err is no rate limit.
func RetryAfter(err error) int {
	var e *Error
	if !errors.As(err, &e) || !errors.Is(e.Kind, ErrRateLimited) {
		return 0
	}
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// Rate is a token bucket: Burst attempts at once, then one more each
// Every. A zero Burst is no limit.
type Rate struct {
	Burst int
	Every time.Duration
}

// Limits are the service's defences against being used as a weapon:
// password checks (bcrypt is slow on purpose) and registration mails.
type Limits struct {
	// LoginFailuresPerAddr and LoginFailuresPerUser bound failed password
	// logins per source address (an IPv6 /64) and per user name, known or
	// not. A login whose credentials are in the cache is never refused.
	LoginFailuresPerAddr Rate
	LoginFailuresPerUser Rate
	// LoginCacheTTL is how long a successful password check is remembered
	// (keyed by a keyed hash of the credentials, never the password), so
	// that a client sending Basic credentials on every request pays bcrypt
	// once. 0 turns the cache off.
	LoginCacheTTL time.Duration
	// PasswordChecks bounds the bcrypt comparisons running at once, so
	// that a flood of logins leaves the other cores to everything else;
	// PasswordQueue how many more may wait for one (beyond, they are
	// refused as busy). 0 PasswordChecks is one less than the cores (at
	// least 1).
	PasswordChecks int
	PasswordQueue  int
	// RegistrationsPerAddr and RegistrationsPerKey bound registration
	// requests per source address and per SSH key (and the keys one
	// account asks to add, each a stored token); RegistrationMailsPerEmail
	// the mails sent to one address, so that nobody can use the server to
	// flood a mailbox.
	RegistrationsPerAddr      Rate
	RegistrationsPerKey       Rate
	RegistrationMailsPerEmail Rate
}

// DefaultLimits are the limits of a service given none.
func DefaultLimits() Limits {
	return Limits{
		LoginFailuresPerAddr:      Rate{Burst: 20, Every: 6 * time.Second},
		LoginFailuresPerUser:      Rate{Burst: 10, Every: 30 * time.Second},
		LoginCacheTTL:             time.Minute,
		PasswordQueue:             64,
		RegistrationsPerAddr:      Rate{Burst: 5, Every: 10 * time.Minute},
		RegistrationsPerKey:       Rate{Burst: 3, Every: 10 * time.Minute},
		RegistrationMailsPerEmail: Rate{Burst: 2, Every: 10 * time.Minute},
	}
}

// buckets are token buckets by key, in memory (a restart forgets them,
// which only gives one more burst). A bucket that has filled up again is
// the same as none and is dropped, so the map holds only keys that asked
// recently; beyond maxBuckets the fullest are dropped first.
type buckets struct {
	rate Rate
	mu   sync.Mutex
	m    map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the memory an attacker with many addresses or names
// can make us spend on remembering them.
const maxBuckets = 100_000

func newBuckets(r Rate) *buckets { return &buckets{rate: r, m: map[string]*bucket{}} }

// level is b's tokens at now.
func (bs *buckets) level(b *bucket, now time.Time) float64 {
	if bs.rate.Every <= 0 {
		return b.tokens
	}
	return math.Min(float64(bs.rate.Burst), b.tokens+float64(now.Sub(b.at))/float64(bs.rate.Every))
}

// take removes one token from key's bucket, or reports how long until one
// is there. The caller gives it back with put when the attempt turned out
// not to count.
func (bs *buckets) take(key string, now time.Time) (bool, time.Duration) {
	if bs == nil || bs.rate.Burst <= 0 {
		return true, 0
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.m[key]
	if b == nil {
		if len(bs.m) >= maxBuckets {
			bs.prune(now)
		}
		b = &bucket{tokens: float64(bs.rate.Burst), at: now}
		bs.m[key] = b
	}
	level := bs.level(b, now)
	if level < 1 {
		if bs.rate.Every <= 0 {
			return false, time.Hour
		}
		return false, time.Duration((1 - level) * float64(bs.rate.Every))
	}
	b.tokens, b.at = level-1, now
	return true, 0
}

// put gives back a token taken for an attempt that does not count.
func (bs *buckets) put(key string, now time.Time) {
	if bs == nil || bs.rate.Burst <= 0 {
		return
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b := bs.m[key]; b != nil {
		b.tokens, b.at = math.Min(float64(bs.rate.Burst), bs.level(b, now)+1), now
		if b.tokens >= float64(bs.rate.Burst) {
			delete(bs.m, key)
		}
	}
}

// prune drops the buckets that are full again, and if that is not enough
// half of the rest, the fullest first being the least loss.
func (bs *buckets) prune(now time.Time) {
	for k, b := range bs.m {
		if bs.level(b, now) >= float64(bs.rate.Burst) {
			delete(bs.m, k)
		}
	}
	if len(bs.m) < maxBuckets {
		return
	}
	limit := float64(bs.rate.Burst) / 2
	for k, b := range bs.m {
		if len(bs.m) < maxBuckets/2 {
			break
		}
		if bs.level(b, now) >= limit {
			delete(bs.m, k)
		}
	}
	for k := range bs.m {
		if len(bs.m) < maxBuckets/2 {
			break
		}
		delete(bs.m, k)
	}
}

// takeAll takes one token from each (bucket, key) pair or none: a refusal
// by one gives back what the others gave.
func takeAll(now time.Time, pairs ...bucketKey) (bool, time.Duration) {
	for i, p := range pairs {
		if ok, wait := p.b.take(p.key, now); !ok {
			for _, q := range pairs[:i] {
				q.b.put(q.key, now)
			}
			return false, wait
		}
	}
	return true, 0
}

func putAll(now time.Time, pairs ...bucketKey) {
	for _, p := range pairs {
		p.b.put(p.key, now)
	}
}

type bucketKey struct {
	b   *buckets
	key string
}

// SourceKey is the source address a request counts against: its IP (the
// port dropped), or for IPv6 its /64, which one host commonly holds whole.
// addr is "host:port" (net.Addr.String, http.Request.RemoteAddr) or a bare
// host; "" stays "" (a caller with no address: only the other limits
// apply).
func SourceKey(addr string) string {
	if addr == "" {
		return ""
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
