package rest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func authFailed(msg string) *apiError { return detail(http.StatusForbidden, msg) }

// authenticate resolves the Authorization header (Token or Basic) to a
// user. No header, or another scheme, is anonymous (nil, nil). A bad
// credential fails the request with upstream's 403 body even where
// anonymous access would be allowed.
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*store.User, *apiError) {
	header := r.Header.Get("Authorization")
	parts := strings.Fields(header)
	if len(parts) == 0 {
		return nil, nil
	}
	switch strings.ToLower(parts[0]) {
	case "token":
		switch {
		case len(parts) == 1:
			return nil, authFailed("Invalid token header. No credentials provided.")
		case len(parts) > 2:
			return nil, authFailed("Invalid token header. Token string should not contain spaces.")
		}
		u, err := h.store.UserByToken(ctx, parts[1])
		if errors.Is(err, store.ErrNotFound) {
			return nil, authFailed("Invalid token.")
		}
		if err != nil {
			return nil, h.internal(ctx, fmt.Errorf("user by token: %w", err))
		}
		if !u.Active {
			return nil, authFailed("User inactive or deleted.")
		}
		return u, nil
	case "basic":
		switch {
		case len(parts) == 1:
			return nil, authFailed("Invalid basic header. No credentials provided.")
		case len(parts) > 2:
			return nil, authFailed("Invalid basic header. Credentials string should not contain spaces.")
		}
		raw, err := base64.StdEncoding.DecodeString(parts[1])
		if err != nil {
			return nil, authFailed("Invalid basic header. Credentials not correctly base64 encoded.")
		}
		name, password, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, authFailed("Invalid username/password.")
		}
		// The service's one login: limits, cache, and the same cost for
		// unknown users as for known ones.
		u, err := h.svc.Login(ctx, service.Credentials{Username: name, Password: password, Addr: r.RemoteAddr})
		switch {
		case errors.Is(err, service.ErrBadLogin):
			return nil, authFailed("Invalid username/password.")
		case errors.Is(err, service.ErrRateLimited):
			return nil, throttled(service.RetryAfter(err))
		case err != nil && u == nil:
			return nil, h.internal(ctx, fmt.Errorf("login %q: %w", name, err))
		case err != nil:
			h.logger.WarnContext(ctx, "password re-hash failed", "err", err)
		}
		if !u.Active {
			return nil, authFailed("User inactive or deleted.")
		}
		return u, nil
	}
	return nil, nil
}

// internal logs an unexpected error and returns a 500.
func (h *Handler) internal(ctx context.Context, err error) *apiError {
	h.logger.ErrorContext(ctx, "rest request failed", "err", err)
	return detail(http.StatusInternalServerError, "A server error occurred.")
}

// requireUser fails unless the request is authenticated.
func (c *call) requireUser() error {
	if c.user == nil {
		return detail(http.StatusForbidden, msgNoCredentials)
	}
	return nil
}
