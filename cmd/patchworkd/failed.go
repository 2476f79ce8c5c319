package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
)

func newFailedCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "failed",
		Short: "Mails that could not be taken in: list, show, retry, delete",
	}
	cmd.AddCommand(newFailedListCmd(a), newFailedShowCmd(a), newFailedRetryCmd(a), newFailedDeleteCmd(a))
	return cmd
}

type failedJSON struct {
	ID       int64     `json:"id"`
	Received time.Time `json:"received"`
	Error    string    `json:"error"`
	Size     int       `json:"size"`
}

func newFailedListCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List kept mails, oldest first", Args: cobra.NoArgs}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		fms, err := s.ListFailedMails(ctxOf(cmd))
		if err != nil {
			return fmt.Errorf("list failed mails: %w", err)
		}
		out := make([]failedJSON, len(fms))
		for k, fm := range fms {
			out[k] = failedJSON{ID: fm.ID, Received: fm.Received.UTC(), Error: fm.Error, Size: len(fm.Raw)}
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "RECEIVED", "BYTES", "ERROR")
		for _, f := range out {
			t.row(f.ID, f.Received.Format("2006-01-02 15:04:05"), f.Size, f.Error)
		}
		return t.flush()
	}
	return cmd
}

// failedByID finds kept mails by the ids given as arguments (all: every
// one).
func failedByID(cmd *cobra.Command, s store.Store, args []string, all bool) ([]store.FailedMail, error) {
	if all {
		return mailin.FailedByIDs(ctxOf(cmd), s, nil)
	}
	ids, err := parseIDs("failed mail", args)
	if err != nil {
		return nil, err
	}
	return mailin.FailedByIDs(ctxOf(cmd), s, ids)
}

func newFailedShowCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "Print a kept mail as received", Args: cobra.ExactArgs(1)}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		fms, err := failedByID(cmd, s, args, false)
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(fms[0].Raw)
		return err
	}
	return cmd
}

func newFailedRetryCmd(a *App) *cobra.Command {
	var all bool
	var listID string
	cmd := &cobra.Command{
		Use:   "retry ID...|--all",
		Short: "Feed kept mails again; those taken in now are removed from the list",
	}
	cmd.Flags().BoolVar(&all, "all", false, "retry every kept mail")
	cmd.Flags().StringVar(&listID, "list-id", "", "take the mails as coming from this list id")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if all == (len(args) > 0) {
			return errors.New("give failed mail ids or --all")
		}
		ctx := ctxOf(cmd)
		s, err := openForMail(cmd, a)
		if err != nil {
			return err
		}
		fms, err := failedByID(cmd, s, args, all)
		if err != nil {
			return err
		}
		rs, err := a.newIngester(s).RetryFailed(ctx, fms, listID)
		// Lines end in newlines: nothing is ever held back to flush.
		w := textOut(cmd)
		still := 0
		for _, r := range rs {
			if r.Still {
				still++
				fmt.Fprintf(w, "%d: still failing: %s\n", r.FailedID, r.Result.Reason)
				continue
			}
			fmt.Fprintf(w, "%d: %s %s\n", r.FailedID, r.Result.Kind, r.Result.MsgID)
		}
		if err != nil {
			return err
		}
		if still > 0 {
			return fmt.Errorf("%d of %d mails still fail", still, len(fms))
		}
		return nil
	}
	return cmd
}

func newFailedDeleteCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "delete ID...", Short: "Forget kept mails", Args: cobra.MinimumNArgs(1)}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		ids, err := parseIDs("failed mail", args)
		if err != nil {
			return err
		}
		n, err := mailin.DeleteFailed(ctxOf(cmd), s, ids)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "deleted %d failed mails\n", n)
		return err
	}
	return cmd
}
