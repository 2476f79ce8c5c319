package store

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// CheckPassword is the one password check of every front end. A password
// still in Django's format (imported from upstream Patchwork) that matches
// is re-hashed to ours and saved, so that the old format lives until its
// owner's first login; err reports only a failed re-hash (the login itself
// stands, and the next one tries again). A user with no password never
// matches.
func CheckPassword(ctx context.Context, users UserStore, u *User, password string) (ok bool, err error) {
	if u == nil || u.PasswordHash == "" {
		return false, nil
	}
	if !IsDjangoHash(u.PasswordHash) {
		return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil, nil
	}
	match, err := checkDjangoPassword(u.PasswordHash, password)
	if err != nil || !match {
		// An unreadable hash is no match: the importer reported it.
		return false, nil
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return true, fmt.Errorf("re-hash password of %q: %w", u.Username, err)
	}
	u.PasswordHash = string(hash)
	if err := users.UpdateUser(ctx, u); err != nil {
		return true, fmt.Errorf("re-hash password of %q: %w", u.Username, err)
	}
	return true, nil
}
