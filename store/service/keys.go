package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// AddKey parses a key and stores it for target (the user, or an admin).
func (s *Service) AddKey(ctx context.Context, actor, target *store.User, text string) (*store.SSHKey, error) {
	if err := mayManage(actor, target); err != nil {
		return nil, err
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
