package ssh

import (
	"fmt"
	"strconv"
	"sync"

	"charm.land/ssh"
)

// pool counts open sessions in total and per key.
type pool struct {
	max, perKey int
	total       int
	byKey       map[string]int
}

// limiter keeps two pools: registered users (counted per user) and
// anonymous clients (counted per source address, since keys cost nothing
// to make). Anonymous sessions never take a registered user's room.
type limiter struct {
	mu         sync.Mutex
	registered pool
	anonymous  pool
}

func newLimiter(max, perUser, anonMax, anonPerAddr int) *limiter {
	return &limiter{
		registered: pool{max: max, perKey: perUser, byKey: map[string]int{}},
		anonymous:  pool{max: anonMax, perKey: anonPerAddr, byKey: map[string]int{}},
	}
}

// acquire takes a slot for key in the registered or the anonymous pool,
// or says why it cannot.
func (l *limiter) acquire(anonymous bool, key string) (release func(), refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &l.registered
	if anonymous {
		p = &l.anonymous
	}
	switch {
	case p.max > 0 && p.total >= p.max && anonymous:
		return nil, fmt.Sprintf("patchwork: the server is full for anonymous sessions (%d open), try again later; registered users are not affected", p.total)
	case p.max > 0 && p.total >= p.max:
		return nil, fmt.Sprintf("patchwork: the server is full (%d sessions open), try again later", p.total)
	case p.perKey > 0 && p.byKey[key] >= p.perKey && anonymous:
		return nil, fmt.Sprintf("patchwork: too many anonymous sessions from your address: %d open (the limit is %d); close one and try again", p.byKey[key], p.perKey)
	case p.perKey > 0 && p.byKey[key] >= p.perKey:
		return nil, fmt.Sprintf("patchwork: too many sessions: you already have %d open (the limit is %d); close one and try again", p.byKey[key], p.perKey)
	}
	p.total++
	p.byKey[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			p.total--
			if p.byKey[key]--; p.byKey[key] <= 0 {
				delete(p.byKey, key)
			}
		})
	}, ""
}

// open is the number of sessions held now, in both pools.
func (l *limiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.registered.total + l.anonymous.total
}

// limitKey is who a session counts against: the user, else the client's
// address (anonymous clients, whatever key they show).
func limitKey(sess ssh.Session, id *identity) string {
	if id.User != nil {
		return "user:" + strconv.FormatInt(id.User.ID, 10)
	}
	return "addr:" + addrKey(sess.RemoteAddr())
}

// limitMiddleware refuses a session over the limits with a message. It
// runs before anything parses the command line.
func (s *Server) limitMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		id := identityOf(sess)
		release, refusal := s.limits.acquire(id.Anonymous(), limitKey(sess, id))
		if release == nil {
			s.logger.Warn("ssh session refused", "reason", refusal, "user", id.Name(), "addr", sess.RemoteAddr().String())
			fatal(sess, refusal)
			return
		}
		defer release()
		next(sess)
	}
}
