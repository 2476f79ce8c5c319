package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// getProject finds a project by linkname (service.Project's message).
func getProject(ctx context.Context, s store.Store, linkname string) (*store.Project, error) {
	return service.New(s, service.Options{}).Project(ctx, linkname)
}

// Service opens the store (as Store does) and returns the service over it:
// the admin commands make every change through it, as the local admin.
func (a *App) Service(cmd *cobra.Command) (*service.Service, error) {
	s, err := a.Store(cmd, false)
	if err != nil {
		return nil, err
	}
	return service.New(s, service.Options{}), nil
}
