package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
)

func newHeldCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "held",
		Short: "Replies kept until the mail they answer arrives: list, show, place, delete",
		Long: "A reply that arrives before the mail it answers is held, and stored as a\n" +
			"comment as soon as that mail arrives. One whose parent never comes (a reply\n" +
			"to an off-list mail) stays held until `held place` puts it on another stored\n" +
			"mail it names, or an admin deletes it.",
	}
	cmd.AddCommand(newHeldListCmd(a), newHeldShowCmd(a), newHeldPlaceCmd(a), newHeldDeleteCmd(a))
	return cmd
}

// heldJSON is the operator's view of a held reply (`held list --json`).
type heldJSON struct {
	ID       int64     `json:"id"`
	Project  string    `json:"project"`
	MsgID    string    `json:"msgid"`
	Subject  string    `json:"subject"`
	Date     time.Time `json:"date"`
	Received time.Time `json:"received"`
	// WaitsFor is the mail it answers directly (its In-Reply-To): it is
	// placed when that one is stored.
	WaitsFor   []string `json:"waits_for"`
	References []string `json:"references"`
	Error      string   `json:"error,omitempty"`
}

// heldProject resolves --project ("" = every project, id 0).
func heldProject(ctx context.Context, s store.Store, linkname string) (int64, error) {
	if linkname == "" {
		return 0, nil
	}
	p, err := getProject(ctx, s, linkname)
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

func toHeldJSON(h mailin.HeldInfo, links map[int64]string) heldJSON {
	return heldJSON{ID: h.ID, Project: links[h.ProjectID], MsgID: h.MsgID, Subject: h.Subject,
		Date: h.Date, Received: h.Received.UTC(), WaitsFor: h.WaitsFor, References: h.References, Error: h.Err}
}

// parseIDs reads numeric ids given as arguments.
func parseIDs(what string, args []string) ([]int64, error) {
	ids := make([]int64, len(args))
	for k, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s id %q: not a number", what, a)
		}
		ids[k] = id
	}
	return ids, nil
}

func newHeldListCmd(a *App) *cobra.Command {
	var project string
	cmd := &cobra.Command{Use: "list [--project L]", Short: "List held replies, oldest first", Args: cobra.NoArgs}
	cmd.Flags().StringVar(&project, "project", "", "only this project (linkname)")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := ctxOf(cmd)
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		pid, err := heldProject(ctx, s, project)
		if err != nil {
			return err
		}
		hs, err := s.ListHeldMails(ctx, pid)
		if err != nil {
			return fmt.Errorf("list held mails: %w", err)
		}
		ps, err := s.ListProjects(ctx)
		if err != nil {
			return fmt.Errorf("list projects: %w", err)
		}
		links := map[int64]string{}
		for _, p := range ps {
			links[p.ID] = p.LinkName
		}
		out := make([]heldJSON, len(hs))
		for k, h := range hs {
			out[k] = toHeldJSON(mailin.DescribeHeld(h), links)
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "PROJECT", "DATE", "MSGID", "WAITS FOR", "SUBJECT")
		for _, h := range out {
			waits := "-"
			if len(h.WaitsFor) > 0 {
				waits = h.WaitsFor[0]
			}
			subject := h.Subject
			if h.Error != "" {
				subject = "(unreadable: " + h.Error + ")"
			}
			t.row(h.ID, h.Project, h.Date.Format("2006-01-02 15:04"), h.MsgID, waits, subject)
		}
		return t.flush()
	}
	return cmd
}

// heldByID finds held replies by the ids given as arguments.
func heldByID(ctx context.Context, s store.Store, args []string) ([]store.HeldMail, error) {
	ids, err := parseIDs("held mail", args)
	if err != nil {
		return nil, err
	}
	return mailin.HeldByIDs(ctx, s, ids)
}

func newHeldShowCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "Print a held reply as received", Args: cobra.ExactArgs(1)}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		hs, err := heldByID(ctxOf(cmd), s, args)
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(hs[0].Raw)
		return err
	}
	return cmd
}

func newHeldPlaceCmd(a *App) *cobra.Command {
	var project string
	cmd := &cobra.Command{
		Use:   "place [--project L]",
		Short: "Put held replies on another stored mail they name, as upstream does",
		Long: "place stores each held reply as a comment on the patch (else the cover\n" +
			"letter) it names, even though the mail it answers directly never arrived;\n" +
			"replies waiting for it are placed with it. Replies that name nothing stored\n" +
			"stay held.",
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&project, "project", "", "only this project (linkname)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := ctxOf(cmd)
		s, err := openForMail(cmd, a)
		if err != nil {
			return err
		}
		pid, err := heldProject(ctx, s, project)
		if err != nil {
			return err
		}
		rep, err := a.newIngester(s).PlaceHeld(ctx, mailin.HeldSelect{ProjectID: pid})
		// Lines end in newlines: nothing is ever held back to flush.
		w := textOut(cmd)
		for _, r := range rep.Results {
			switch {
			case r.Kind == mailin.Rejected:
				fmt.Fprintf(w, "%d: %s no longer parses, kept as a failed mail: %s\n", r.HeldID, r.MsgID, r.Reason)
			case r.Kind.Stored():
				on := fmt.Sprintf("patch %d", r.PatchID)
				if r.PatchID == 0 {
					on = fmt.Sprintf("cover %d", r.CoverID)
				}
				fmt.Fprintf(w, "%d: %s placed on %s\n", r.HeldID, r.MsgID, on)
			}
		}
		if err != nil {
			return fmt.Errorf("place held mails: %w", err)
		}
		_, err = fmt.Fprintf(w, "placed %d, still held %d, failed %d\n", rep.Placed, rep.StillHeld, rep.Failed)
		return err
	}
	return cmd
}

func newHeldDeleteCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "delete ID...", Short: "Forget held replies", Args: cobra.MinimumNArgs(1)}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		s, err := a.Store(cmd, false)
		if err != nil {
			return err
		}
		ids, err := parseIDs("held mail", args)
		if err != nil {
			return err
		}
		n, err := mailin.DeleteHeld(ctx, s, ids)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "deleted %d held mails\n", n)
		return err
	}
	return cmd
}
