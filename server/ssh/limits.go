package ssh

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	"charm.land/ssh"
)

// limiter counts open sessions in total and per user so that one client
// cannot starve the rest.
type limiter struct {
	max, perUser int

	mu     sync.Mutex
	total  int
	byUser map[string]int
}

func newLimiter(max, perUser int) *limiter {
	return &limiter{max: max, perUser: perUser, byUser: map[string]int{}}
}

// acquire takes a slot for key, or says why it cannot.
func (l *limiter) acquire(key string) (release func(), refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.total >= l.max {
		return nil, fmt.Sprintf("patchwork: the server is full (%d sessions open), try again later", l.total)
	}
	if l.perUser > 0 && l.byUser[key] >= l.perUser {
		return nil, fmt.Sprintf("patchwork: too many sessions: you already have %d open (the limit is %d); close one and try again", l.byUser[key], l.perUser)
	}
	l.total++
	l.byUser[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.byUser[key]--; l.byUser[key] <= 0 {
				delete(l.byUser, key)
			}
		})
	}, ""
}

// open is the number of sessions held now.
func (l *limiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// limitKey is who a session counts against: the user, else the key, else
// the client address (anonymous clients without a key).
func limitKey(sess ssh.Session, id *identity) string {
	switch {
	case id.User != nil:
		return "user:" + strconv.FormatInt(id.User.ID, 10)
	case id.Fingerprint != "":
		return "key:" + id.Fingerprint
	}
	host, _, err := net.SplitHostPort(sess.RemoteAddr().String())
	if err != nil {
		host = sess.RemoteAddr().String()
	}
	return "addr:" + host
}

// limitMiddleware refuses a session over the limits with a message.
func (s *Server) limitMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		release, refusal := s.limits.acquire(limitKey(sess, identityOf(sess)))
		if release == nil {
			s.logger.Warn("ssh session refused", "reason", refusal, "user", identityOf(sess).Name(), "addr", sess.RemoteAddr().String())
			fatal(sess, refusal)
			return
		}
		defer release()
		next(sess)
	}
}
