package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

func newPatchCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "patch", Short: "Look at stored patches"}
	cmd.AddCommand(newPatchListCmd(a), newPatchShowCmd(a))
	return cmd
}

// patchJSON is the operator's view of a patch (`patch list --json`).
type patchJSON struct {
	ID             int64     `json:"id"`
	MsgID          string    `json:"msgid"`
	Name           string    `json:"name"`
	Hash           string    `json:"hash,omitempty"`
	PullURL        string    `json:"pull_url,omitempty"`
	State          string    `json:"state"`
	Archived       bool      `json:"archived"`
	Submitter      string    `json:"submitter"`
	SubmitterEmail string    `json:"submitter_email"`
	Delegate       string    `json:"delegate,omitempty"`
	Date           time.Time `json:"date"`
	SeriesID       int64     `json:"series_id,omitempty"`
	SeriesVersion  int       `json:"series_version,omitempty"`
	Number         int       `json:"number"`
}

func toPatchJSON(r store.PatchRow, states []store.State) patchJSON {
	st, _ := store.StateByID(states, r.StateID)
	return patchJSON{ID: r.ID, MsgID: r.MsgID, Name: r.Name, Hash: r.Hash, PullURL: r.PullURL, State: st.Name,
		Archived: r.Archived, Submitter: r.Submitter.Name, SubmitterEmail: r.Submitter.Email,
		Delegate: r.DelegateUsername, Date: r.Date.UTC(), SeriesID: r.SeriesID, SeriesVersion: r.SeriesVersion,
		Number: r.Number}
}

func newPatchListCmd(a *App) *cobra.Command {
	var project string
	var limit int
	cmd := &cobra.Command{Use: "list --project L", Short: "List a project's patches, newest first", Args: cobra.NoArgs}
	cmd.Flags().StringVar(&project, "project", "", "project linkname (required)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0: all)")
	_ = cmd.MarkFlagRequired("project")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := ctxOf(cmd)
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		p, err := getProject(ctx, s, project)
		if err != nil {
			return err
		}
		rows, err := s.ListPatches(ctx, store.PatchQuery{
			Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{p.ID}}},
			Order: store.OrderID, Desc: true, Limit: limit})
		if err != nil {
			return fmt.Errorf("list patches: %w", err)
		}
		states, err := s.ListStates(ctx)
		if err != nil {
			return fmt.Errorf("list states: %w", err)
		}
		out := make([]patchJSON, len(rows))
		for k, r := range rows {
			out[k] = toPatchJSON(r, states)
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "STATE", "SERIES", "#", "SUBMITTER", "DATE", "NAME")
		for _, r := range out {
			series := "-"
			if r.SeriesID != 0 {
				series = fmt.Sprintf("%d v%d", r.SeriesID, r.SeriesVersion)
			}
			t.row(r.ID, r.State, series, r.Number, r.SubmitterEmail, r.Date.Format("2006-01-02 15:04"), r.Name)
		}
		return t.flush()
	}
	return cmd
}

func newPatchShowCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "Show a patch with its description and diff", Args: cobra.ExactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("patch id %q: not a number", args[0])
		}
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		rows, err := s.GetPatchRows(ctx, []int64{id})
		if err != nil {
			return fmt.Errorf("patch %d: %w", id, err)
		}
		if len(rows) == 0 {
			return fmt.Errorf("no patch %d", id)
		}
		p, err := s.GetPatch(ctx, id)
		if err != nil {
			return fmt.Errorf("patch %d: %w", id, err)
		}
		states, err := s.ListStates(ctx)
		if err != nil {
			return fmt.Errorf("list states: %w", err)
		}
		pj := toPatchJSON(rows[0], states)
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), struct {
				patchJSON
				Content string `json:"content"`
				Diff    string `json:"diff,omitempty"`
				Headers string `json:"headers"`
			}{pj, p.Content, p.Diff, p.Headers})
		}
		w := textOut(cmd)
		fmt.Fprintf(w, "Patch %d: %s\nMessage-Id: %s\nFrom: %s <%s>\nDate: %s\nState: %s (archived: %s)\n",
			pj.ID, pj.Name, pj.MsgID, pj.Submitter, pj.SubmitterEmail, pj.Date.Format(time.RFC3339), pj.State, yesNo(pj.Archived))
		if pj.Hash != "" {
			fmt.Fprintf(w, "Hash: %s\n", pj.Hash)
		}
		if pj.PullURL != "" {
			fmt.Fprintf(w, "Pull: %s\n", pj.PullURL)
		}
		if pj.SeriesID != 0 {
			fmt.Fprintf(w, "Series: %d (v%d), patch %d\n", pj.SeriesID, pj.SeriesVersion, pj.Number)
		}
		if _, err := fmt.Fprintf(w, "\n%s\n\n%s", p.Content, p.Diff); err != nil {
			return err
		}
		return w.Flush()
	}
	return cmd
}
