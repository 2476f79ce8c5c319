package ssh

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/server/mbox"
)

func (c *cli) mboxCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "mbox ID",
		Short:   "Print a patch as an mbox, ready for git am",
		Example: "  ssh <host> mbox 123 | git am",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("patch", args[0])
			if err != nil {
				return err
			}
			return mbox.WritePatch(c.ctx, c.raw, c.srv.store, id)
		},
	}
}

func (c *cli) seriesCmd() *cobra.Command {
	var asMbox bool
	cmd := &cobra.Command{
		Use:     "series ID [--mbox]",
		Short:   "Show a series and its patches, or print them all as an mbox",
		Example: "  ssh <host> series 42 --mbox | git am",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("series", args[0])
			if err != nil {
				return err
			}
			if asMbox {
				// The replies to the cover letter review the whole
				// series: their trailers go on every patch.
				return mbox.Writer{Store: c.srv.store, CoverTrailers: true}.Series(c.ctx, c.raw, id)
			}
			return c.series(id)
		},
	}
	cmd.Flags().BoolVar(&asMbox, "mbox", false, "print the patches as one mbox (for git am)")
	return cmd
}

// series prints a series' header and its patches.
func (c *cli) series(id int64) error {
	st := c.srv.store
	s, err := st.GetSeries(c.ctx, id)
	if err != nil {
		return fmt.Errorf("series %d: %w", id, err)
	}
	proj, err := st.GetProject(c.ctx, s.ProjectID)
	if err != nil {
		return err
	}
	sub, err := st.GetPerson(c.ctx, s.SubmitterID)
	if err != nil {
		return err
	}
	states, err := c.states()
	if err != nil {
		return err
	}
	tw := table(c.out)
	fmt.Fprintf(tw, "Series:\t%d\n", s.ID)
	fmt.Fprintf(tw, "Name:\t%s\n", s.DisplayName())
	fmt.Fprintf(tw, "Project:\t%s\n", proj.LinkName)
	fmt.Fprintf(tw, "Submitter:\t%s\n", personString(*sub))
	fmt.Fprintf(tw, "Date:\t%s\n", stamp(s.Date))
	fmt.Fprintf(tw, "Version:\t%d\n", s.Version)
	complete := ""
	if !s.ReceivedAll() {
		complete = " (incomplete)"
	}
	fmt.Fprintf(tw, "Received:\t%d of %d%s\n", s.ReceivedTotal, s.Total, complete)
	if s.CoverID != 0 {
		if cv, err := st.GetCover(c.ctx, s.CoverID); err == nil {
			fmt.Fprintf(tw, "Cover:\t%s\n", cv.Name)
		}
	}
	if versions, err := st.SeriesVersions(c.ctx, s.ID); err == nil && len(versions) > 1 {
		var line string
		for i, v := range versions {
			if i > 0 {
				line += " -> "
			}
			line += fmt.Sprintf("v%d #%d", v.Version, v.ID)
		}
		fmt.Fprintf(tw, "Versions:\t%s\n", line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rows, err := st.SeriesPatches(c.ctx, s.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.out)
	tw = table(c.out)
	fmt.Fprintln(tw, "ID\t#\tSTATE\tNAME")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", r.ID, r.Number, states.name(r.StateID), r.Name)
	}
	return tw.Flush()
}
