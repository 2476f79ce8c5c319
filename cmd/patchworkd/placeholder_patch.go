package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the patch command lands; its owner replaces this file.
func newPatchCmd(_ *App) *cobra.Command {
	return &cobra.Command{Use: "patch", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("patch: not built yet")
	}}
}
