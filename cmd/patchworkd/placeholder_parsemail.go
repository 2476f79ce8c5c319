package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the parsemail command lands; its owner replaces this file.
func newParsemailCmd(_ *App) *cobra.Command {
	return &cobra.Command{Use: "parsemail", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("parsemail: not built yet")
	}}
}
