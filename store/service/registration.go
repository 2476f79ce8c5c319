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
	// PublicKey is the key the request came with (authorized_keys form).
	PublicKey string
}

// CheckRegistration checks a registration request and returns it tidied
// (the bare address, the user name chosen). The address is checked first:
// "you already have an account" helps more than "that name is taken" when
// both hold.
func (s *Service) CheckRegistration(ctx context.Context, in Registration) (Registration, error) {
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
	if _, err := ParseKey(in.PublicKey); err != nil {
		return in, err
	}
	if _, err := s.st.GetUserByEmail(ctx, email); err == nil {
		return in, conflictf("%s already has an account: connect with one of its keys and run `keys add`", email)
	} else if !errors.Is(err, store.ErrNotFound) {
		return in, fmt.Errorf("user of %s: %w", email, err)
	}
	if _, err := s.st.GetUserByName(ctx, username); err == nil {
		return in, conflictf("the user name %q is taken; choose another with --username", username)
	} else if !errors.Is(err, store.ErrNotFound) {
		return in, fmt.Errorf("user %q: %w", username, err)
	}
	return Registration{Email: email, Username: username, PublicKey: in.PublicKey}, nil
}

// StartRegistration checks a registration request (CheckRegistration) and
// records its confirmation token, whose key the caller mails to the
// address.
func (s *Service) StartRegistration(ctx context.Context, in Registration) (*store.Confirmation, error) {
	r, err := s.CheckRegistration(ctx, in)
	if err != nil {
		return nil, err
	}
	email, username := r.Email, r.Username
	conf := &store.Confirmation{
		Type:      store.ConfirmationRegistration,
		Email:     email,
		Key:       NewSecret(),
		Date:      s.clock(),
		Active:    true,
		Username:  username,
		PublicKey: in.PublicKey,
	}
	if err := s.st.CreateConfirmation(ctx, conf); err != nil {
		return nil, fmt.Errorf("record registration of %q: %w", username, err)
	}
	return conf, nil
}

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
