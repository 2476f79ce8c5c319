package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
)

func newSeriesCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "series", Short: "Look at stored series"}
	cmd.AddCommand(newSeriesListCmd(a), newSeriesShowCmd(a))
	return cmd
}

// seriesJSON is the operator's view of a series.
type seriesJSON struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Version       int       `json:"version"`
	Total         int       `json:"total"`
	Received      int       `json:"received"`
	ReceivedAll   bool      `json:"received_all"`
	Date          time.Time `json:"date"`
	CoverMsgID    string    `json:"cover_msgid,omitempty"`
	PreviousID    int64     `json:"previous_id,omitempty"`
	NextID        int64     `json:"next_id,omitempty"`
	SubmitterID   int64     `json:"submitter_id"`
	Dependencies  []int64   `json:"dependencies,omitempty"`
	PatchMsgIDs   []string  `json:"patches,omitempty"`
	PatchNumbers  []int     `json:"numbers,omitempty"`
	CoverLetterID int64     `json:"cover_id,omitempty"`
}

func toSeriesJSON(ctx context.Context, s store.Store, x store.Series) (seriesJSON, error) {
	out := seriesJSON{ID: x.ID, Name: x.DisplayName(), Version: x.Version, Total: x.Total, Received: x.ReceivedTotal,
		ReceivedAll: x.ReceivedAll(), Date: x.Date.UTC(), PreviousID: x.PreviousID, NextID: x.NextID,
		SubmitterID: x.SubmitterID, CoverLetterID: x.CoverID}
	if x.CoverID != 0 {
		c, err := s.GetCover(ctx, x.CoverID)
		if err != nil {
			return out, fmt.Errorf("cover of series %d: %w", x.ID, err)
		}
		out.CoverMsgID = c.MsgID
	}
	return out, nil
}

func newSeriesListCmd(a *App) *cobra.Command {
	var project string
	var limit int
	cmd := &cobra.Command{Use: "list --project L", Short: "List a project's series, newest first", Args: cobra.NoArgs}
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
		list, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: p.ID, Order: "-date", Limit: limit})
		if err != nil {
			return fmt.Errorf("list series: %w", err)
		}
		out := make([]seriesJSON, len(list))
		for k, x := range list {
			if out[k], err = toSeriesJSON(ctx, s, x); err != nil {
				return err
			}
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "VERSION", "RECEIVED", "COVER", "PREVIOUS", "DATE", "NAME")
		for _, x := range out {
			prev := "-"
			if x.PreviousID != 0 {
				prev = strconv.FormatInt(x.PreviousID, 10)
			}
			t.row(x.ID, x.Version, fmt.Sprintf("%d/%d", x.Received, x.Total), yesNo(x.CoverMsgID != ""), prev,
				x.Date.Format("2006-01-02 15:04"), x.Name)
		}
		return t.flush()
	}
	return cmd
}

func newSeriesShowCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "Show a series with its patches", Args: cobra.ExactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("series id %q: not a number", args[0])
		}
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		x, err := s.GetSeries(ctx, id)
		if err != nil {
			return fmt.Errorf("series %d: %w", id, err)
		}
		out, err := toSeriesJSON(ctx, s, *x)
		if err != nil {
			return err
		}
		rows, err := s.SeriesPatches(ctx, id)
		if err != nil {
			return fmt.Errorf("series %d: %w", id, err)
		}
		for _, r := range rows {
			out.PatchMsgIDs = append(out.PatchMsgIDs, r.MsgID)
			out.PatchNumbers = append(out.PatchNumbers, r.Number)
		}
		if out.Dependencies, err = s.SeriesDependencies(ctx, id); err != nil {
			return fmt.Errorf("series %d: %w", id, err)
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		w := textOut(cmd)
		defer w.Flush()
		fmt.Fprintf(w, "Series %d: %s\nVersion %d, %d of %d received, %s\n", out.ID, out.Name, out.Version,
			out.Received, out.Total, out.Date.Format(time.RFC3339))
		if out.CoverMsgID != "" {
			fmt.Fprintf(w, "Cover: %s\n", out.CoverMsgID)
		}
		if out.PreviousID != 0 || out.NextID != 0 {
			fmt.Fprintf(w, "Previous version: %d, next version: %d\n", out.PreviousID, out.NextID)
		}
		if len(out.Dependencies) > 0 {
			fmt.Fprintf(w, "Depends on: %v\n", out.Dependencies)
		}
		t := newTable(w, "#", "ID", "MSGID", "NAME")
		for _, r := range rows {
			t.row(r.Number, r.ID, r.MsgID, r.Name)
		}
		return t.flush()
	}
	return cmd
}
