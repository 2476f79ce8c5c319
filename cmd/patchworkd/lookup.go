package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// getProject finds a project by linkname with a message fit for the CLI.
func getProject(ctx context.Context, s store.Store, linkname string) (*store.Project, error) {
	p, err := s.GetProjectByLinkName(ctx, linkname)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no project with linkname %q", linkname)
	}
	if err != nil {
		return nil, fmt.Errorf("get project %q: %w", linkname, err)
	}
	return p, nil
}

// getUser finds a user by username with a message fit for the CLI.
func getUser(ctx context.Context, s store.Store, name string) (*store.User, error) {
	u, err := s.GetUserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %q: %w", name, err)
	}
	return u, nil
}
