package service

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchwork-go/patchwork/store"
)

// MinPassword is the shortest password accepted.
const MinPassword = 8

// CheckPassword is the one password rule: one line of 8 to 72 bytes
// (bcrypt reads 72 bytes; a longer one is refused rather than cut).
func CheckPassword(pw string) error {
	switch {
	case strings.ContainsAny(pw, "\r\n"):
		return invalidf("the password must be one line")
	case len(pw) < MinPassword:
		return invalidf("password too short: at least %d characters", MinPassword)
	case len(pw) > 72:
		return invalidf("password longer than 72 bytes")
	}
	return nil
}

// HashPassword checks pw and returns the bcrypt hash stored in
// User.PasswordHash.
func HashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", invalidf("cannot use that password: %v", err)
	}
	return string(h), nil
}

// SetPassword sets the password XML-RPC and REST Basic authentication
// check (the user, or an admin).
func (s *Service) SetPassword(ctx context.Context, actor, target *store.User, pw string) error {
	if err := mayManage(actor, target); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	// Re-read the user: the caller's copy may be older than another change
	// made meanwhile.
	fresh, err := s.st.GetUser(ctx, target.ID)
	if err != nil {
		return fmt.Errorf("user %q: %w", target.Username, err)
	}
	fresh.PasswordHash = hash
	if err := s.st.UpdateUser(ctx, fresh); err != nil {
		return fmt.Errorf("update user %q: %w", target.Username, err)
	}
	target.PasswordHash = hash
	s.auth.forgetUser(target.ID)
	return nil
}
