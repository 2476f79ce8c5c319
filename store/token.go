package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// NewToken makes a REST API token in upstream's form: 40 lower-case hex
// digits (160 random bits).
func NewToken() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// HashToken is what the database keeps of a token: its SHA-256 in lower-case
// hex. A token is 160 random bits, so a fast hash is enough for nobody to
// turn a leaked database back into working tokens, and lookups stay one
// indexed equality.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrTokenExists is IssueToken's answer when the user has a token and no
// new one was asked for: the token itself cannot be shown again.
var ErrTokenExists = fmt.Errorf("%w: a token exists and is shown only when it is made", ErrConflict)

// IssueToken is the one rule every front end uses for REST tokens: the user
// gets a new token, shown to them this once, when they have none or when
// regenerate replaces the old one (which stops working at once). With a
// token already made and no regenerate it returns ErrTokenExists.
func IssueToken(ctx context.Context, s UserStore, userID int64, regenerate bool) (string, error) {
	if !regenerate {
		_, err := s.TokenCreated(ctx, userID)
		switch {
		case err == nil:
			return "", ErrTokenExists
		case !errors.Is(err, ErrNotFound):
			return "", err
		}
	}
	tok, err := NewToken()
	if err != nil {
		return "", err
	}
	if err := s.SetToken(ctx, userID, tok); err != nil {
		return "", err
	}
	return tok, nil
}
