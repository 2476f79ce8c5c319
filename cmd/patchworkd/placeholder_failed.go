package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the failed command lands; its owner replaces this file.
func newFailedCmd(_ *App) *cobra.Command {
	return &cobra.Command{Use: "failed", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("failed: not built yet")
	}}
}
