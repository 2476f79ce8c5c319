package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// ConfirmationValidity is how long a registration token works (upstream's
// CONFIRMATION_VALIDITY_DAYS).
const ConfirmationValidity = 7 * 24 * time.Hour

// Registration is a request for an account by the holder of an SSH key.
type Registration struct {
	Email    string
	Username string // "" for the part of the address before '@', lower-cased
	// PublicKey is the key the request came with (authorized_keys form):
	// the one the session authenticated with, so its holder asks.
	PublicKey string
	// Addr is where the request came from ("host:port"), for its limit.
	Addr string
}

// RegistrationMail is the mail a registration sends to its address: a
// token to confirm with, or, when the address already has an account or
// the name is taken, why there is none. Which of these it is, only the
// address's owner learns: the requester is told the same in every case.
type RegistrationMail struct {
	To          string
	Username    string // the name asked for
	Fingerprint string // of the key asking
	// Confirmation is the token the mail carries; nil when there is
	// nothing to confirm.
	Confirmation *store.Confirmation
	// Account is the user name the address already has ("" for none).
	Account string
	// NameTaken is set when another account holds Username.
	NameTaken bool
}

// ErrMailFailed is the Kind of a registration whose mail could not be
// sent: nothing was recorded, and the request may be made again.
var ErrMailFailed = errors.New("confirmation mail not sent")

// Register asks for an account: it checks the request's own form, its
// limits (per source address, per key, and mails per address), and sends
// the address one mail through send: the confirmation token, or, when the
// address already has an account or the name is taken, a mail saying so
// to the address's owner. The answer is the same in all three cases, so
// that the requester learns nothing about other accounts. The token is
// recorded only once its mail went out: a failed mail (ErrMailFailed)
// leaves no row and spends none of the address's mails.
func (s *Service) Register(ctx context.Context, in Registration, send func(context.Context, RegistrationMail) error) (Registration, error) {
	email, err := ParseEmail(in.Email)
	if err != nil {
		return in, err
	}
	username := in.Username
	if username == "" {
		username = strings.ToLower(email[:strings.IndexByte(email, '@')])
	}
	if err := CheckUsername(username); err != nil {
		return in, err
	}
	key, err := ParseKey(in.PublicKey)
	if err != nil {
		return in, err
	}
	a, now := s.auth, s.clock()
	pairs := []bucketKey{{a.regKey, key.Fingerprint}}
	if src := SourceKey(in.Addr); src != "" {
		pairs = append(pairs, bucketKey{a.regAddr, src})
	}
	if ok, wait := takeAll(now, pairs...); !ok {
		return in, limitedf(wait, "too many registration requests from this address or key; try again in %d minutes", minutesOf(wait))
	}
	mailbox := strings.ToLower(email)
	if ok, wait := a.regEmail.take(mailbox, now); !ok {
		return in, limitedf(wait, "a confirmation mail went to %s a short while ago; check your mail (and spam folder) or try again in %d minutes", email, minutesOf(wait))
	}
	m := RegistrationMail{To: email, Username: username, Fingerprint: key.Fingerprint}
	if u, err := s.st.GetUserByEmail(ctx, email); err == nil {
		m.Account = u.Username
	} else if !errors.Is(err, store.ErrNotFound) {
		a.regEmail.put(mailbox, now)
		return in, fmt.Errorf("user of %s: %w", email, err)
	}
	if m.Account == "" {
		if _, err := s.st.GetUserByName(ctx, username); err == nil {
			m.NameTaken = true
		} else if !errors.Is(err, store.ErrNotFound) {
			a.regEmail.put(mailbox, now)
			return in, fmt.Errorf("user %q: %w", username, err)
		}
	}
	if m.Account == "" && !m.NameTaken {
		m.Confirmation = &store.Confirmation{
			Type:      store.ConfirmationRegistration,
			Email:     email,
			Key:       NewSecret(),
			Date:      now,
			Active:    true,
			Username:  username,
			PublicKey: in.PublicKey,
		}
	}
	if err := send(ctx, m); err != nil {
		a.regEmail.put(mailbox, now)
		return in, &Error{Kind: ErrMailFailed, Msg: fmt.Sprintf("could not send the confirmation mail to %s; try again later", email)}
	}
	if m.Confirmation != nil {
		// Written after the mail went out, so that a failed mail leaves
		// nothing behind; nobody can confirm before the mail arrives.
		if err := s.st.CreateConfirmation(ctx, m.Confirmation); err != nil {
			return in, fmt.Errorf("record registration of %q (its mail went out: register again): %w", username, err)
		}
	}
	return Registration{Email: email, Username: username, PublicKey: in.PublicKey, Addr: in.Addr}, nil
}

func minutesOf(d time.Duration) int { return max(1, int((d+time.Minute-1)/time.Minute)) }

// errTokenGone is the answer to every token that does not work: whoever
// holds a wrong token learns nothing about the right ones.
var errTokenGone = &Error{Kind: store.ErrNotFound, Msg: "unknown, used or expired confirmation token"}

// PendingRegistration returns the registration the token key stands for and
// the SSH key it would add, without changing anything. Unknown, used and
// expired tokens, and tokens of other kinds, are all ErrNotFound.
func (s *Service) PendingRegistration(ctx context.Context, key string, validity time.Duration) (*store.Confirmation, *store.SSHKey, error) {
	return pendingRegistration(ctx, s.st, key, s.clock(), validity)
}

func pendingRegistration(ctx context.Context, st store.Store, key string, now time.Time, validity time.Duration) (*store.Confirmation, *store.SSHKey, error) {
	conf, err := st.GetConfirmation(ctx, key)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, errTokenGone
		}
		return nil, nil, fmt.Errorf("registration token: %w", err)
	}
	if !conf.Active || conf.Type != store.ConfirmationRegistration || now.Sub(conf.Date) > validity {
		return nil, nil, errTokenGone
	}
	k, err := ParseKey(conf.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("registration %d: stored key: %w", conf.ID, err)
	}
	return conf, k, nil
}

// ConfirmRegistration uses up a registration token: it creates the user with
// the token's name and address, adds its SSH key, links the address's
// person to the user (creating it, as upstream does on registration) and
// deactivates the token, all in one transaction. Unknown, used or expired
// tokens are ErrNotFound; a name, address or key taken since the token was
// mailed is ErrConflict.
func (s *Service) ConfirmRegistration(ctx context.Context, key string, validity time.Duration) (*store.User, *store.SSHKey, error) {
	now := s.clock()
	var u *store.User
	var k *store.SSHKey
	err := s.st.InTx(ctx, func(tx store.Store) error {
		conf, sk, err := pendingRegistration(ctx, tx, key, now, validity)
		if err != nil {
			return err
		}
		u = newAccount(conf.Username, conf.Email, now)
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return conflictf("the user name %q or the address %s was taken since the token was sent; register again", u.Username, u.Email)
			}
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		sk.UserID, sk.Created = u.ID, now
		if err := tx.AddSSHKey(ctx, sk); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return conflictf("the key %s was registered to another user since the token was sent", sk.Fingerprint)
			}
			return fmt.Errorf("add key %s: %w", sk.Fingerprint, err)
		}
		if err := linkPeople(ctx, tx, u, true); err != nil {
			return err
		}
		if err := tx.DeactivateConfirmation(ctx, conf.ID); err != nil {
			return err
		}
		k = sk
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		// Two confirmations of one token at once: the loser trips over the
		// user the winner created. It is the token that was used, so say so.
		if conf, cerr := s.st.GetConfirmation(ctx, key); cerr == nil && !conf.Active {
			return nil, nil, errTokenGone
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return u, k, nil
}
