package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// CanEditPatch reports whether u may change p: the submitter's linked user,
// the delegate, or a maintainer of the patch's project (upstream's rule; an
// admin is not enough on its own there, so front ends that let admins do
// everything test u.IsAdmin themselves). A nil user may not.
func CanEditPatch(ctx context.Context, s Store, u *User, p *Patch) (bool, error) {
	if u == nil || !u.Active {
		return false, nil
	}
	if p.DelegateID != 0 && p.DelegateID == u.ID {
		return true, nil
	}
	sub, err := s.GetPerson(ctx, p.SubmitterID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("submitter of patch %d: %w", p.ID, err)
	}
	if sub != nil && sub.UserID != 0 && sub.UserID == u.ID {
		return true, nil
	}
	return s.IsMaintainer(ctx, p.ProjectID, u.ID)
}

// EditPatch is the one way every front end changes a patch: it checks that
// actor may (admins may when allowAdmin), that a new delegate maintains the
// project, then applies u in one transaction that records the events.
func EditPatch(ctx context.Context, s Store, actor *User, id int64, u PatchUpdate, allowAdmin bool) (*Patch, error) {
	p, err := s.GetPatch(ctx, id)
	if err != nil {
		return nil, err
	}
	ok := allowAdmin && actor != nil && actor.IsAdmin
	if !ok {
		if ok, err = CanEditPatch(ctx, s, actor, p); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, fmt.Errorf("edit patch %d: %w", id, ErrForbidden)
	}
	if u.DelegateID != nil && *u.DelegateID != 0 {
		m, err := s.IsMaintainer(ctx, p.ProjectID, *u.DelegateID)
		if err != nil {
			return nil, err
		}
		if !m {
			return nil, fmt.Errorf("delegate user %d does not maintain project %d: %w", *u.DelegateID, p.ProjectID, ErrInvalid)
		}
	}
	var actorID int64
	if actor != nil {
		actorID = actor.ID
	}
	return s.UpdatePatch(ctx, id, u, actorID)
}

// Slugify turns a state name into its slug the way upstream does for REST
// input: lower case, runs of non-alphanumerics become one '-'.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// FindState finds a state by id-less name, slug or case-insensitive name.
func FindState(states []State, nameOrSlug string) (State, bool) {
	slug := Slugify(nameOrSlug)
	for _, st := range states {
		if st.Slug == slug || strings.EqualFold(st.Name, nameOrSlug) {
			return st, true
		}
	}
	return State{}, false
}

// StateByID finds a state in a list.
func StateByID(states []State, id int64) (State, bool) {
	for _, st := range states {
		if st.ID == id {
			return st, true
		}
	}
	return State{}, false
}

// AddToBundle adds patches to the actor's bundle, creating it when needed.
func AddToBundle(ctx context.Context, s Store, actor *User, projectID int64, name string, ids []int64) (*Bundle, error) {
	if actor == nil {
		return nil, fmt.Errorf("add to bundle: %w", ErrForbidden)
	}
	var b *Bundle
	err := s.InTx(ctx, func(tx Store) error {
		var err error
		b, err = tx.GetBundleByName(ctx, actor.ID, name)
		if errors.Is(err, ErrNotFound) {
			b = &Bundle{OwnerID: actor.ID, ProjectID: projectID, Name: name}
			err = tx.CreateBundle(ctx, b)
		}
		if err != nil {
			return err
		}
		return tx.AddBundlePatches(ctx, b.ID, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("add to bundle %q: %w", name, err)
	}
	return b, nil
}

// ConfirmationRegistration is the Confirmation.Type of self-registration (a
// new user with the SSH key that asked for it).
const ConfirmationRegistration = "registration"

// PendingRegistration returns the registration the token key stands for and
// the SSH key it would add, without changing anything. Unknown, used and
// expired tokens, and tokens of other kinds, are all ErrNotFound: whoever
// holds a wrong token learns nothing about the right ones.
func PendingRegistration(ctx context.Context, s Store, key string, now time.Time, validity time.Duration) (*Confirmation, *SSHKey, error) {
	conf, err := s.GetConfirmation(ctx, key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, fmt.Errorf("registration token: unknown, used or expired: %w", ErrNotFound)
		}
		return nil, nil, fmt.Errorf("registration token: %w", err)
	}
	if !conf.Active || conf.Type != ConfirmationRegistration || now.Sub(conf.Date) > validity {
		return nil, nil, fmt.Errorf("registration token: unknown, used or expired: %w", ErrNotFound)
	}
	k, err := parseAuthorizedKey(conf.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("registration %d: stored key: %w", conf.ID, err)
	}
	return conf, k, nil
}

// ConfirmRegistration uses up a registration token: it creates the user with
// the token's name and address, adds its SSH key, links the person records
// of that address to the user and deactivates the token, all in one
// transaction. Unknown, used or expired tokens are ErrNotFound; a name,
// address or key taken since the token was mailed is ErrConflict.
func ConfirmRegistration(ctx context.Context, s Store, key string, now time.Time, validity time.Duration) (*User, *SSHKey, error) {
	var u *User
	var k *SSHKey
	err := s.InTx(ctx, func(tx Store) error {
		conf, sk, err := PendingRegistration(ctx, tx, key, now, validity)
		if err != nil {
			return err
		}
		u = &User{
			Username:     conf.Username,
			Email:        conf.Email,
			Active:       true,
			DateJoined:   now,
			SendEmail:    true,
			ItemsPerPage: 100,
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ErrConflict) {
				return fmt.Errorf("the user name %q or the address %s was taken since the token was sent; register again: %w", u.Username, u.Email, ErrConflict)
			}
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		sk.UserID, sk.Created = u.ID, now
		if err := tx.AddSSHKey(ctx, sk); err != nil {
			if errors.Is(err, ErrConflict) {
				return fmt.Errorf("the key %s was registered to another user since the token was sent: %w", sk.Fingerprint, ErrConflict)
			}
			return fmt.Errorf("add key %s: %w", sk.Fingerprint, err)
		}
		if err := tx.LinkPerson(ctx, u.Email, u.ID); err != nil {
			return err
		}
		if err := tx.DeactivateConfirmation(ctx, conf.ID); err != nil {
			return err
		}
		k = sk
		return nil
	})
	if errors.Is(err, ErrConflict) {
		// Two confirmations of one token at once: the loser trips over the
		// user the winner created. It is the token that was used, so say so.
		if conf, cerr := s.GetConfirmation(ctx, key); cerr == nil && !conf.Active {
			return nil, nil, fmt.Errorf("registration token: unknown, used or expired: %w", ErrNotFound)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return u, k, nil
}

// parseAuthorizedKey reads a key in authorized_keys form and fingerprints
// it as ssh-keygen does.
func parseAuthorizedKey(line string) (*SSHKey, error) {
	pk, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return nil, fmt.Errorf("public key: %v: %w", err, ErrInvalid)
	}
	return &SSHKey{
		Type:        pk.Type(),
		Fingerprint: gossh.FingerprintSHA256(pk),
		Comment:     comment,
		Key:         strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))),
	}, nil
}
