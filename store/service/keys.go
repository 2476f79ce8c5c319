package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
)

// ParseKey is the one SSH key parser: one public key in authorized_keys
// form (options and a comment allowed, options dropped), fingerprinted as
// ssh-keygen -l does. The key is not saved.
func ParseKey(text string) (*store.SSHKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, invalidf("empty SSH key: give one in authorized_keys form (like \"ssh-ed25519 AAAA... comment\")")
	}
	pk, comment, _, rest, err := gossh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, invalidf("not a public key in authorized_keys form (like \"ssh-ed25519 AAAA... comment\"): %v", err)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, invalidf("give one SSH key at a time (found more after %s)", pk.Type())
	}
	return &store.SSHKey{
		Type:        pk.Type(),
		Fingerprint: gossh.FingerprintSHA256(pk),
		Comment:     comment,
		Key:         strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))),
	}, nil
}

// Fingerprint is how a key is named when removed: SHA256:... as ssh-keygen
// prints it, the prefix optional.
func Fingerprint(text string) string {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "SHA256:") {
		return "SHA256:" + text
	}
	return text
}

// AddKey parses a key and stores it for target at once: admins only,
// who are trusted with every account. Everyone else proves they hold the
// key first (RequestKey, then ConfirmKey from a session using it), or
// anyone could take a victim's public key so that its holder could not
// register it.
func (s *Service) AddKey(ctx context.Context, actor, target *store.User, text string) (*store.SSHKey, error) {
	if err := needAdmin(actor); err != nil {
		return nil, forbiddenf("%s; to add one of your own keys, run keys add and confirm from a session using that key", Message(err))
	}
	if target == nil {
		return nil, invalidf("no user to add the key to")
	}
	k, err := ParseKey(text)
	if err != nil {
		return nil, err
	}
	k.UserID, k.Created = target.ID, s.clock()
	if err := addKey(ctx, s.st, k); err != nil {
		return nil, err
	}
	return k, nil
}

// addKey stores a parsed key; a taken fingerprint is a conflict.
func addKey(ctx context.Context, st store.Store, k *store.SSHKey) error {
	if err := st.AddSSHKey(ctx, k); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return conflictf("the key %s is already registered", k.Fingerprint)
		}
		return fmt.Errorf("add key %s: %w", k.Fingerprint, err)
	}
	return nil
}

// ListKeys lists target's keys.
func (s *Service) ListKeys(ctx context.Context, actor, target *store.User) ([]store.SSHKey, error) {
	if err := mayManage(actor, target); err != nil {
		return nil, err
	}
	keys, err := s.st.ListSSHKeys(ctx, target.ID)
	if err != nil {
		return nil, fmt.Errorf("list keys of %q: %w", target.Username, err)
	}
	return keys, nil
}

// RemoveKey removes one of target's keys by fingerprint. Users may not
// remove their own last key (they could not log in any more); an admin
// may remove anyone else's.
func (s *Service) RemoveKey(ctx context.Context, actor, target *store.User, fingerprint string) (string, error) {
	if err := mayManage(actor, target); err != nil {
		return "", err
	}
	fp := Fingerprint(fingerprint)
	if actor.ID == target.ID {
		keys, err := s.st.ListSSHKeys(ctx, target.ID)
		if err != nil {
			return "", fmt.Errorf("list keys of %q: %w", target.Username, err)
		}
		found := false
		for _, k := range keys {
			found = found || k.Fingerprint == fp
		}
		if !found {
			return "", notFoundf("you have no key %s (see: keys list)", fp)
		}
		if len(keys) == 1 {
			return "", invalidf("refusing to remove your only key: you could not log in any more; add another first")
		}
	}
	if err := s.st.DeleteSSHKey(ctx, target.ID, fp); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", notFoundf("user %q has no SSH key %s", target.Username, fp)
		}
		return "", fmt.Errorf("remove key %s: %w", fp, err)
	}
	return fp, nil
}

// ConfirmationKey is the Confirmation.Type of a key waiting for its
// holder to prove they have it.
const ConfirmationKey = "sshkey"

// KeyConfirmationValidity is how long a key's token works: it is used at
// once, from the terminal it was shown on.
const KeyConfirmationValidity = time.Hour

// RequestKey starts adding a key to target's account (the user, or an
// admin): it records a token that adds the key when given from an SSH
// session that authenticated with that key (ConfirmKey), and returns it
// with the parsed key. It says nothing about other accounts: whether
// someone else registered the key only its holder learns, on confirming.
func (s *Service) RequestKey(ctx context.Context, actor, target *store.User, text string) (*store.Confirmation, *store.SSHKey, error) {
	if err := mayManage(actor, target); err != nil {
		return nil, nil, err
	}
	k, err := ParseKey(text)
	if err != nil {
		return nil, nil, err
	}
	mine, err := s.st.ListSSHKeys(ctx, target.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("list keys of %q: %w", target.Username, err)
	}
	for _, m := range mine {
		if m.Fingerprint == k.Fingerprint {
			return nil, nil, conflictf("the key %s is already one of %s's keys", k.Fingerprint, target.Username)
		}
	}
	now := s.clock()
	if ok, wait := s.auth.keyReq.take(strconv.FormatInt(target.ID, 10), now); !ok {
		return nil, nil, limitedf(wait, "too many keys asked for lately; try again in %d minutes", minutesOf(wait))
	}
	line := k.Key
	if k.Comment != "" {
		line += " " + k.Comment
	}
	conf := &store.Confirmation{
		Type:      ConfirmationKey,
		Email:     target.Email,
		UserID:    target.ID,
		Key:       NewSecret(),
		Date:      now,
		Active:    true,
		Username:  target.Username,
		PublicKey: line,
	}
	if err := s.st.CreateConfirmation(ctx, conf); err != nil {
		return nil, nil, fmt.Errorf("record key %s for %q: %w", k.Fingerprint, target.Username, err)
	}
	return conf, k, nil
}

// ConfirmKey uses up a key's token (RequestKey) given from an SSH session
// that authenticated with fingerprint, whose user is session (nil: the
// key is nobody's): the proof that whoever adds the key holds it. The key
// joins the token's account, and the token is used up, in one transaction.
func (s *Service) ConfirmKey(ctx context.Context, token, fingerprint string, session *store.User) (*store.User, *store.SSHKey, error) {
	now := s.clock()
	var u *store.User
	var k *store.SSHKey
	err := s.st.InTx(ctx, func(tx store.Store) error {
		conf, err := tx.GetConfirmation(ctx, token)
		if errors.Is(err, store.ErrNotFound) {
			return errTokenGone
		}
		if err != nil {
			return fmt.Errorf("key token: %w", err)
		}
		if !conf.Active || conf.Type != ConfirmationKey || now.Sub(conf.Date) > KeyConfirmationValidity {
			return errTokenGone
		}
		sk, err := ParseKey(conf.PublicKey)
		if err != nil {
			return fmt.Errorf("key token %d: stored key: %w", conf.ID, err)
		}
		if fingerprint != sk.Fingerprint {
			return forbiddenf("this token adds the key %s: connect with that key to confirm it (ssh -i <its private key file>)", sk.Fingerprint)
		}
		// The session holds the key, so telling it whose the key is
		// tells the holder their own account.
		if session != nil {
			if session.ID == conf.UserID {
				return conflictf("the key %s is already yours", sk.Fingerprint)
			}
			return conflictf("the key %s already belongs to your account %q; remove it there first (keys remove)", sk.Fingerprint, session.Username)
		}
		owner, err := tx.GetUser(ctx, conf.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return errTokenGone
		}
		if err != nil {
			return fmt.Errorf("user %d: %w", conf.UserID, err)
		}
		if !owner.Active {
			return forbiddenf("permission denied: %s is not active", owner.Username)
		}
		sk.UserID, sk.Created = owner.ID, now
		if err := addKey(ctx, tx, sk); err != nil {
			return err
		}
		if err := tx.DeactivateConfirmation(ctx, conf.ID); err != nil {
			return err
		}
		u, k = owner, sk
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return u, k, nil
}

// ConfirmFromSession uses up a token given over SSH from a session that
// authenticated with fingerprint (session: its user, nil for none): a
// registration's (the account is created, as from the web link) or a
// key's (ConfirmKey). created tells which.
func (s *Service) ConfirmFromSession(ctx context.Context, token string, validity time.Duration, fingerprint string, session *store.User) (u *store.User, k *store.SSHKey, created bool, err error) {
	conf, err := s.st.GetConfirmation(ctx, token)
	if err == nil && conf.Type == ConfirmationKey {
		u, k, err = s.ConfirmKey(ctx, token, fingerprint, session)
		return u, k, false, err
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, false, fmt.Errorf("token: %w", err)
	}
	u, k, err = s.ConfirmRegistration(ctx, token, validity)
	return u, k, true, err
}
