package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUserTokenShownOnce: `user token` shows a new token once; asked again
// it explains --regenerate, which replaces the token (the old one stops
// working). The database keeps neither in clear.
func TestUserTokenShownOnce(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "tok.db")
	mustPW(t, db, nil, "", "migrate")
	mustPW(t, db, nil, "", "user", "add", "ann", "--email", "ann@example.org")
	first := strings.TrimSpace(mustPW(t, db, nil, "", "user", "token", "ann"))
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(first) {
		t.Fatalf("token %q", first)
	}
	r := pw(t, db, nil, "", "user", "token", "ann")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "--regenerate") {
		t.Fatalf("second `user token`: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	second := strings.TrimSpace(mustPW(t, db, nil, "", "user", "token", "ann", "--regenerate"))
	if second == first || len(second) != 40 {
		t.Fatalf("regenerated %q (was %q)", second, first)
	}
	s := openDB(t, db)
	ctx := context.Background()
	if _, err := s.UserByToken(ctx, first); err == nil {
		t.Error("the replaced token still works")
	}
	if u, err := s.UserByToken(ctx, second); err != nil || u.Username != "ann" {
		t.Errorf("the new token: %v, %v", u, err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM tokens WHERE token_hash IN (?, ?)", first, second).Scan(&n); err != nil || n != 0 {
		t.Errorf("a token in clear in the database: %d, %v", n, err)
	}
}
