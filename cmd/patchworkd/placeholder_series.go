package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the series command lands; its owner replaces this file.
func newSeriesCmd(_ *App) *cobra.Command {
	return &cobra.Command{Use: "series", Hidden: true, RunE: func(*cobra.Command, []string) error {
		return errors.New("series: not built yet")
	}}
}
