package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store/termtext"
)

// writeJSON prints v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// table writes aligned columns; call flush when done.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...any) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

// row writes one line; each cell is shown safe for a terminal (mail
// text may hold escape sequences, see termtext) and on one line.
func (t *table) row(cols ...any) {
	for i, c := range cols {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, termtext.Line(fmt.Sprint(c)))
	}
	fmt.Fprintln(t.tw)
}

// textOut is where a command prints human-readable text that may hold
// mail's (a patch shown whole): control characters are shown visibly.
// JSON and raw mail go to cmd.OutOrStdout() itself, byte-exact. Flush it.
func textOut(cmd *cobra.Command) *termtext.Writer {
	return termtext.NewWriter(cmd.OutOrStdout())
}

func (t *table) flush() error { return t.tw.Flush() }

// addJSONFlag gives a command the --json switch for script-readable output.
func addJSONFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("json", false, "print JSON instead of a table")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
