package xmlrpc

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// authenticate checks HTTP Basic credentials against the user's bcrypt
// password hash, with upstream's fault texts in upstream's order (spec §2).
func (h *Handler) authenticate(ctx context.Context, header string) (*store.User, error) {
	if header == "" {
		return nil, errNoCredentials
	}
	header = strings.TrimSpace(header)
	if !strings.HasPrefix(header, "Basic ") {
		return nil, errSchema
	}
	username, password, ok := parseBasic(strings.TrimSpace(header[len("Basic "):]))
	if !ok {
		return nil, errBadCredentials
	}
	u, err := h.store.GetUserByName(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("authenticate %q: %w", username, err)
	}
	match, err := h.svc.VerifyPassword(ctx, u, password)
	if err != nil {
		h.log.WarnContext(ctx, "password re-hash failed", "err", err)
	}
	if u == nil || u.PasswordHash == "" || !u.Active || !match {
		h.log.InfoContext(ctx, "xmlrpc login failed", "username", username)
		return nil, errBadLogin
	}
	return u, nil
}

// parseBasic decodes "base64(user:password)"; both must be ASCII, as
// upstream decodes them.
func parseBasic(s string) (user, password string, ok bool) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	raw, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return "", "", false
	}
	for _, b := range raw {
		if b >= 0x80 {
			return "", "", false
		}
	}
	user, password, ok = strings.Cut(string(raw), ":")
	return user, password, ok
}
