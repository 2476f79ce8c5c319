package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the parsearchive command lands; its owner replaces this file.
func newParsearchiveCmd(_ *App) *cobra.Command {
	return &cobra.Command{Use: "parsearchive", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("parsearchive: not built yet")
	}}
}
