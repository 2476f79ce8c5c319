package xmlrpc

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// authenticate checks HTTP Basic credentials with the service's one login
// (limits, cache, the same cost for unknown users), with upstream's fault
// texts in upstream's order (spec §2); too many failures are a fault of
// their own, which pwclient prints.
func (h *Handler) authenticate(ctx context.Context, header, addr string) (*store.User, error) {
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
	u, err := h.svc.Login(ctx, service.Credentials{Username: username, Password: password, Addr: addr})
	switch {
	case errors.Is(err, service.ErrRateLimited):
		h.log.InfoContext(ctx, "xmlrpc login refused", "username", username, "reason", service.Message(err))
		return nil, &Fault{"Exception", strings.TrimSuffix(service.Message(err), ".")}
	case errors.Is(err, service.ErrBadLogin):
		h.log.InfoContext(ctx, "xmlrpc login failed", "username", username)
		return nil, errBadLogin
	case err != nil && u == nil:
		return nil, fmt.Errorf("authenticate %q: %w", username, err)
	case err != nil:
		h.log.WarnContext(ctx, "password re-hash failed", "err", err)
	}
	if !u.Active {
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
