package ssh

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
)

// defaultListQuery is what `list` shows without a query: like upstream's
// list page, the patches that need action and are not archived.
const defaultListQuery = "is:action-required -is:archived"

type patchJSON struct {
	ID        int64      `json:"id"`
	Project   string     `json:"project"`
	Name      string     `json:"name"`
	Date      time.Time  `json:"date"`
	MsgID     string     `json:"msgid"`
	Submitter personJSON `json:"submitter"`
	State     string     `json:"state"`
	Archived  bool       `json:"archived"`
	Delegate  string     `json:"delegate,omitempty"`
	CommitRef string     `json:"commit_ref,omitempty"`
	SeriesID  int64      `json:"series_id,omitempty"`
	Number    int        `json:"number,omitempty"`
	Checks    string     `json:"check"`
	URL       string     `json:"url,omitempty"`
}

type personJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

func (c *cli) listCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [PROJECT] [QUERY...] [--json] [--limit N] [-- QUERY...]",
		Short: "List patches, newest first (default query: " + defaultListQuery + ")",
		Long: "List patches, newest first. PROJECT is a project's link name (an unknown one is an\n" +
			"error; after -- every argument is a query term, for words across projects); QUERY uses the\n" +
			"query language of the TUI's / search:\n\n" +
			"  word \"a phrase\"  state:new,under-review  from:addr  delegate:me|none|user\n" +
			"  series:123  id:1,2  is:archived|pull|action-required|committed\n" +
			"  has:reviewed-by  check:fail  file:path/glob  date:>2026-01-01  -term (negate)\n\n" +
			"Without a query: " + defaultListQuery + ".\n\n" +
			"Flags:\n  --json         print JSON\n  --limit N, -n N  show at most N patches (default 100)",
		Example: "  ssh <host> list linux-arm state:new from:jane\n  ssh <host> list --json -is:archived check:fail",
		// Flags are parsed by hand: query negations ("-wip") look like flags.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := parseListArgs(args)
			if err != nil {
				return err
			}
			if opts.help {
				return cmd.Help()
			}
			return c.list(opts.query, opts.json, opts.limit, opts.allProjects)
		},
	}
	return cmd
}

type listArgs struct {
	query []string
	json  bool
	help  bool
	limit int
	// allProjects: the arguments after "--" are all query terms, the
	// first one names no project.
	allProjects bool
}

// parseListArgs separates list's own flags from query terms.
func parseListArgs(args []string) (listArgs, error) {
	o := listArgs{limit: 100}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if len(o.query) == 0 {
				o.allProjects = true
			}
			o.query = append(o.query, args[i+1:]...)
			i = len(args)
		case a == "--json":
			o.json = true
		case a == "--help" || a == "-h":
			o.help = true
		case a == "--limit" || a == "-n" || strings.HasPrefix(a, "--limit="):
			v, ok := strings.CutPrefix(a, "--limit=")
			if !ok {
				if i+1 >= len(args) {
					return o, userErrorf("%s needs a number", a)
				}
				i++
				v = args[i]
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10000 {
				return o, userErrorf("--limit must be a number between 1 and 10000, not %q", v)
			}
			o.limit = n
		case strings.HasPrefix(a, "--"):
			// Query negations have one dash ("-wip"): two are a flag, and
			// a mistyped one must not become a search term.
			return o, userErrorf("unknown flag %s (list takes --json, --limit N, --help; see: ssh <host> help list)", a)
		default:
			o.query = append(o.query, a)
		}
	}
	return o, nil
}

// list resolves [PROJECT] [QUERY...] and prints one page of patches. A
// first argument that is no query term (term:value, -term, a phrase)
// names the project: an unknown one is an error, not a search word.
func (c *cli) list(args []string, asJSON bool, limit int, allProjects bool) error {
	st := c.srv.store
	var conds []store.Cond
	var proj *store.Project
	if len(args) > 0 && !allProjects && !isQueryTerm(args[0]) {
		p, err := st.GetProjectByLinkName(c.ctx, args[0])
		switch {
		case err == nil:
			proj, args = p, args[1:]
			conds = append(conds, store.Cond{Field: store.FieldProject, Ints: []int64{p.ID}})
		case errors.Is(err, store.ErrNotFound):
			return c.unknownProject(args[0])
		default:
			return err
		}
	}
	terms := make([]string, len(args))
	for i, a := range args {
		terms[i] = requote(a)
	}
	text := strings.Join(terms, " ")
	if strings.TrimSpace(text) == "" {
		text = defaultListQuery
	}
	q, err := query.Parse(text)
	if err != nil {
		return userErrorf("bad query %q: %v", text, err)
	}
	qc, err := q.Conds(c.ctx, query.StoreResolver(st, c.id.User))
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return userErrorf("bad query %q: %v", text, err)
		}
		return err
	}
	// One row more than shown says whether there are more, without a
	// COUNT that costs as much as the project is large.
	pq := store.PatchQuery{Conds: append(conds, qc...), Order: store.OrderDate, Desc: true, Limit: limit + 1}
	rows, err := st.ListPatches(c.ctx, pq)
	if err != nil {
		return err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		fmt.Fprintf(c.err, "showing the newest %d matching patches; there are more (--limit N to see more)\n", limit)
	}
	states, err := c.states()
	if err != nil {
		return err
	}
	projects, err := c.projectNames()
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]patchJSON, len(rows))
		for i, r := range rows {
			out[i] = patchJSON{
				ID: r.ID, Project: projects[r.ProjectID], Name: r.Name, Date: r.Date.UTC(), MsgID: r.MsgID,
				Submitter: personJSON{r.Submitter.Name, r.Submitter.Email},
				State:     states[r.StateID].Slug, Archived: r.Archived, Delegate: r.DelegateUsername,
				CommitRef: r.CommitRef, SeriesID: r.SeriesID, Number: r.Number,
				Checks: r.Checks.Combined().String(), URL: c.patchURL(r.ID),
			}
		}
		return writeJSON(c.raw, out)
	}
	tw := table(c.out)
	if proj == nil {
		fmt.Fprintln(tw, "ID\tDATE\tPROJECT\tSTATE\tSUBMITTER\tNAME")
	} else {
		fmt.Fprintln(tw, "ID\tDATE\tSTATE\tSUBMITTER\tNAME")
	}
	for _, r := range rows {
		sub := r.Submitter.Name
		if sub == "" {
			sub = r.Submitter.Email
		}
		if proj == nil {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, day(r.Date), projects[r.ProjectID], states.name(r.StateID), truncate(sub, 24), r.Name)
		} else {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, day(r.Date), states.name(r.StateID), truncate(sub, 24), r.Name)
		}
	}
	return tw.Flush()
}

// projectNames maps project ids to link names.
func (c *cli) projectNames() (map[int64]string, error) {
	ps, err := c.srv.store.ListProjects(c.ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(ps))
	for _, p := range ps {
		m[p.ID] = p.LinkName
	}
	return m, nil
}

// requote puts back the quotes the SSH command line's shell-like splitting
// removed: `from:"Jane Doe"` arrives as one argument `from:Jane Doe`.
func requote(arg string) string {
	if !strings.ContainsAny(arg, " \t") || strings.ContainsRune(arg, '"') {
		return arg
	}
	neg := ""
	if strings.HasPrefix(arg, "-") {
		neg, arg = "-", arg[1:]
	}
	if k, v, ok := strings.Cut(arg, ":"); ok && !strings.ContainsAny(k, " \t") {
		return neg + k + ":\"" + v + "\""
	}
	return neg + "\"" + arg + "\""
}

// isQueryTerm reports whether arg reads as a query term rather than a
// project's link name.
func isQueryTerm(arg string) bool {
	return strings.HasPrefix(arg, "-") || strings.ContainsAny(arg, ": \t\"")
}

// unknownProject is the error for a project name that names none.
func (c *cli) unknownProject(name string) error {
	ps, err := c.srv.store.ListProjects(c.ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.LinkName
	}
	return userErrorf("unknown project %q (projects: %s; to search every project for words: list -- WORDS)", name, strings.Join(names, ", "))
}
