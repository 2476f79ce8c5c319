package ssh

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func (c *cli) showCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a patch: headers, state, commit message and diff",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("patch", args[0])
			if err != nil {
				return err
			}
			return c.show(id)
		},
	}
}

func (c *cli) show(id int64) error {
	st := c.srv.store
	p, err := st.GetPatch(c.ctx, id)
	if err != nil {
		return fmt.Errorf("patch %d: %w", id, err)
	}
	proj, err := st.GetProject(c.ctx, p.ProjectID)
	if err != nil {
		return err
	}
	sub, err := st.GetPerson(c.ctx, p.SubmitterID)
	if err != nil {
		return err
	}
	states, err := c.states()
	if err != nil {
		return err
	}
	tw := table(c.out)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	line("Patch", fmt.Sprintf("%d", p.ID))
	line("Name", p.Name)
	line("Project", proj.LinkName)
	line("Submitter", personString(*sub))
	line("Date", stamp(p.Date))
	line("Message-ID", p.MsgID)
	line("State", states.name(p.StateID))
	if p.Archived {
		line("Archived", "yes")
	}
	if p.DelegateID != 0 {
		if u, err := st.GetUser(c.ctx, p.DelegateID); err == nil {
			line("Delegate", u.Username)
		}
	}
	line("Commit", p.CommitRef)
	if p.SeriesID != 0 {
		if s, err := st.GetSeries(c.ctx, p.SeriesID); err == nil {
			line("Series", fmt.Sprintf("%d %s (v%d, %d/%d)", s.ID, s.DisplayName(), s.Version, p.Number, s.Total))
		}
	}
	line("Pull", p.PullURL)
	line("URL", c.patchURL(p.ID))
	if err := tw.Flush(); err != nil {
		return err
	}
	if checks, err := st.UniqueChecks(c.ctx, p.ID); err == nil && len(checks) > 0 {
		fmt.Fprintln(c.out, "\nChecks:")
		for _, ch := range checks {
			fmt.Fprintf(c.out, "  %-8s %s %s %s\n", ch.State, ch.Context, ch.Description, ch.TargetURL)
		}
	}
	fmt.Fprintln(c.out)
	if content := strings.TrimRight(p.Content, "\n"); content != "" {
		fmt.Fprintln(c.out, content)
	}
	if p.Diff != "" {
		fmt.Fprintln(c.out, "---")
		fmt.Fprint(c.out, p.Diff)
		if !strings.HasSuffix(p.Diff, "\n") {
			fmt.Fprintln(c.out)
		}
	}
	return nil
}
