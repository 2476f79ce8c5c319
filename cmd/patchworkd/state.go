package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// stateJSON is a state as `state list --json` prints it.
type stateJSON struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Slug           string `json:"slug"`
	Ordering       int    `json:"ordering"`
	ActionRequired bool   `json:"action_required"`
}

func newStateCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Show patch states",
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the patch states in order",
		Args:  cobra.NoArgs,
	}
	asJSON := addJSONFlag(list)
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		states, err := s.ListStates(ctxOf(cmd))
		if err != nil {
			return fmt.Errorf("list states: %w", err)
		}
		if *asJSON {
			out := make([]stateJSON, len(states))
			for i, st := range states {
				out[i] = stateJSON{st.ID, st.Name, st.Slug, st.Ordering, st.ActionRequired}
			}
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "NAME", "SLUG", "ACTION REQUIRED")
		for _, st := range states {
			t.row(st.ID, st.Name, st.Slug, yesNo(st.ActionRequired))
		}
		return t.flush()
	}
	cmd.AddCommand(list)
	return cmd
}
