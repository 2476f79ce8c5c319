package store

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ParseHintSenders reads a project's HintSenders: addresses separated by
// spaces or commas, each a bare address. It returns them lower-cased,
// without duplicates, in the order given.
func ParseHintSenders(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		a, err := mail.ParseAddress(f)
		if err != nil || a.Name != "" || a.Address != f {
			return nil, fmt.Errorf("hint sender %q is not a bare mail address: %w", f, ErrInvalid)
		}
		e := strings.ToLower(a.Address)
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// TrustsHints tells whether the project honours the X-Patchwork-State and
// X-Patchwork-Delegate headers of mail from email: anyone who can post to
// the list can write them, so only the project's maintainers (by a user's
// address or an address linked to that user) and the addresses of its
// HintSenders are trusted. The From header is the sender's own claim: a
// deployment that needs more strips the headers at the MTA.
func TrustsHints(ctx context.Context, s Store, p *Project, email string) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false, nil
	}
	listed, err := ParseHintSenders(p.HintSenders)
	if err != nil {
		// Written past validation (by hand in the database): trust none
		// of it rather than refuse the mail.
		listed = nil
	}
	for _, e := range listed {
		if e == email {
			return true, nil
		}
	}
	var userID int64
	if u, err := s.GetUserByEmail(ctx, email); err == nil {
		userID = u.ID
	} else if !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("hint sender %s: %w", email, err)
	}
	if userID == 0 {
		per, err := s.GetPersonByEmail(ctx, email)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, fmt.Errorf("hint sender %s: %w", email, err)
		}
		if per != nil {
			userID = per.UserID
		}
	}
	if userID == 0 {
		return false, nil
	}
	ok, err := s.IsMaintainer(ctx, p.ID, userID)
	if err != nil {
		return false, fmt.Errorf("hint sender %s: %w", email, err)
	}
	return ok, nil
}
