package ssh

import (
	"encoding/json"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// table writes aligned columns.
func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// writeJSON writes v indented, with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// personString is "Name <email>", or the bare address without a name.
func personString(p store.Person) string {
	if p.Name == "" {
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

// stateNames maps state ids to names for one command.
type stateNames map[int64]store.State

func (c *cli) states() (stateNames, error) {
	list, err := c.srv.store.ListStates(c.ctx)
	if err != nil {
		return nil, err
	}
	m := make(stateNames, len(list))
	for _, st := range list {
		m[st.ID] = st
	}
	return m, nil
}

func (m stateNames) name(id int64) string {
	if st, ok := m[id]; ok {
		return st.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// day formats a date the way lists show it.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// stamp formats a full timestamp.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// patchURL is the web address of a patch.
func (c *cli) patchURL(id int64) string {
	if c.srv.opts.BaseURL == "" {
		return ""
	}
	return c.srv.opts.BaseURL + "/patch/" + strconv.FormatInt(id, 10) + "/"
}
