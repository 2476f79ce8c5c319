package ssh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// The patch-changing commands (set-state, delegate, archive) take several
// ids and --series N, change each patch through the service (the TUI's
// permission rule: maintainers of its project, its delegate, its
// submitter, admins) and go on past a refused patch, exiting 1 at the end
// if any was refused. Every id is checked to exist before anything is
// written.

// editJSON is one changed patch, for --json.
type editJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Previous string `json:"previous"`
	Current  string `json:"current"`
}

// targetFlags are the flags that choose patches besides ids.
type targetFlags struct {
	series int64
	json   bool
}

func (f *targetFlags) add(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.series, "series", 0, "every patch of series `N` too")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the changed patches as JSON")
}

// splitIDs separates the leading patch ids of args from the rest.
func splitIDs(args []string) (ids []int64, rest []string, err error) {
	i := 0
	for ; i < len(args) && isPatchID(args[i]); i++ {
		id, _ := parseID("patch", args[i])
		ids = append(ids, id)
	}
	return ids, args[i:], nil
}

// patches reads the patches of ids and of the series (0: none), each
// once, failing before anything is written if one does not exist.
func (c *cli) patches(ids []int64, series int64) ([]*store.Patch, error) {
	st := c.srv.store
	if series != 0 {
		if _, err := st.GetSeries(c.ctx, series); err != nil {
			return nil, fmt.Errorf("series %d: %w", series, err)
		}
		rows, err := st.SeriesPatches(c.ctx, series)
		if err != nil {
			return nil, fmt.Errorf("patches of series %d: %w", series, err)
		}
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, userErrorf("no patch: give patch ids or --series N")
	}
	seen := map[int64]bool{}
	var out []*store.Patch
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		p, err := st.GetPatch(c.ctx, id)
		if err != nil {
			return nil, fmt.Errorf("patch %d: %w", id, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// editEach applies the update of each patch, printing a line (or, with
// asJSON, one JSON array at the end) per change and a message per
// refusal; value names the changed field of a patch.
func (c *cli) editEach(patches []*store.Patch, u store.PatchUpdate, value func(*store.Patch) string, asJSON bool) error {
	user, err := c.needUser()
	if err != nil {
		return err
	}
	var done []editJSON
	refused := 0
	for _, p := range patches {
		after, err := c.srv.svc.EditPatch(c.ctx, user, p.ID, u, service.AdminsToo)
		if err != nil {
			refused++
			fmt.Fprintf(c.err, "patch %d: %s\n", p.ID, c.editRefusal(err, u, p))
			continue
		}
		e := editJSON{ID: p.ID, Name: p.Name, Previous: value(p), Current: value(after)}
		done = append(done, e)
		if !asJSON {
			fmt.Fprintf(c.out, "patch %d: %s -> %s\n", e.ID, e.Previous, e.Current)
		}
	}
	if asJSON {
		if done == nil {
			done = []editJSON{}
		}
		if err := writeJSON(c.raw, done); err != nil {
			return err
		}
	}
	if refused > 0 {
		return userErrorf("%d of %d patches not changed", refused, len(patches))
	}
	return nil
}

// editRefusal says why the service refused to change p.
func (c *cli) editRefusal(err error, u store.PatchUpdate, p *store.Patch) string {
	if errors.Is(err, store.ErrStale) {
		// Read again: p is from before the other change.
		now, gerr := c.srv.store.GetPatch(c.ctx, p.ID)
		if gerr == nil && u.Expect.StateID != nil {
			states, _ := c.states()
			return fmt.Sprintf("its state is %s, not %s (--expect): not changed", states.name(now.StateID), states.name(*u.Expect.StateID))
		}
		return "it no longer has the expected value (--expect): not changed"
	}
	if errors.Is(err, store.ErrForbidden) && !errors.As(err, new(*service.Error)) {
		return "permission denied: you may change only the patches of projects you maintain, and those delegated to you or sent by you"
	}
	return c.message(err)
}

// findState resolves a state name or slug.
func (c *cli) findState(name string) (store.State, error) {
	states, err := c.srv.store.ListStates(c.ctx)
	if err != nil {
		return store.State{}, err
	}
	st, ok := store.FindState(states, name)
	if !ok {
		slugs := make([]string, len(states))
		for i, s := range states {
			slugs[i] = s.Slug
		}
		return store.State{}, userErrorf("unknown state %q (states: %s)", name, strings.Join(slugs, ", "))
	}
	return st, nil
}

func (c *cli) setStateCmd() *cobra.Command {
	var tf targetFlags
	var expect string
	cmd := &cobra.Command{
		Use:   "set-state [ID...] STATE [--series N] [--expect STATE] [--json]",
		Short: "Change the state of patches (maintainers of their project, their delegate or submitter, admins)",
		Long: "Change the state of patches. STATE is a name or slug: \"Under Review\", under-review, accepted...\n" +
			"Allowed for maintainers of a patch's project, its delegate, its submitter, and admins.\n" +
			"With --expect STATE a patch changes only while its state is still that one: a change\n" +
			"someone else made meanwhile is not overwritten (the patch is named, exit status 1).",
		Example: "  ssh <host> set-state 101 102 accepted\n  ssh <host> set-state --series 42 \"Changes Requested\"\n" +
			"  ssh <host> set-state 101 accepted --expect new",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, rest, err := splitIDs(args)
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				return userErrorf("no state: set-state [ID...] STATE")
			}
			if _, err := c.needUser(); err != nil {
				return err
			}
			st, err := c.findState(strings.Join(rest, " "))
			if err != nil {
				return err
			}
			u := store.PatchUpdate{StateID: &st.ID}
			if expect != "" {
				want, err := c.findState(expect)
				if err != nil {
					return err
				}
				u.Expect.StateID = &want.ID
			}
			patches, err := c.patches(ids, tf.series)
			if err != nil {
				return err
			}
			states, err := c.states()
			if err != nil {
				return err
			}
			value := func(p *store.Patch) string { return states.name(p.StateID) }
			if tf.json {
				value = func(p *store.Patch) string { return states[p.StateID].Slug }
			}
			editErr := c.editEach(patches, u, value, tf.json)
			if st.Slug != "accepted" || tf.json {
				return editErr
			}
			// Accepted may send "applied, thanks" (asked or not, per
			// project) for each patch this command accepted.
			for _, p := range patches {
				if p.StateID == st.ID {
					continue
				}
				if now, err := c.srv.store.GetPatch(c.ctx, p.ID); err != nil || now.StateID != st.ID {
					continue
				}
				if err := c.afterAccept(p.ID, p.ProjectID); err != nil {
					return err
				}
			}
			return editErr
		},
	}
	tf.add(cmd)
	cmd.Flags().StringVar(&expect, "expect", "", "change only patches whose state is still `STATE`")
	return cmd
}

func (c *cli) delegateCmd() *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "delegate [ID...] USER|none [--series N] [--json]",
		Short: "Delegate patches to a maintainer of their project, or to nobody",
		Long: "Delegate patches to USER (a maintainer of their project), or with none to nobody.\n" +
			"Allowed for maintainers of a patch's project, its delegate, its submitter, and admins.",
		Example: "  ssh <host> delegate 101 102 alice\n  ssh <host> delegate --series 42 none",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, rest, err := splitIDs(args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return userErrorf("want one user (or none) after the ids: delegate [ID...] USER|none")
			}
			if _, err := c.needUser(); err != nil {
				return err
			}
			var to int64
			if rest[0] != "none" {
				u, err := c.srv.store.GetUserByName(c.ctx, rest[0])
				if errors.Is(err, store.ErrNotFound) {
					return userErrorf("unknown user %q", rest[0])
				}
				if err != nil {
					return err
				}
				to = u.ID
			}
			patches, err := c.patches(ids, tf.series)
			if err != nil {
				return err
			}
			names := map[int64]string{0: "none", to: rest[0]}
			value := func(p *store.Patch) string {
				if n, ok := names[p.DelegateID]; ok {
					return n
				}
				n := fmt.Sprintf("user %d", p.DelegateID)
				if u, err := c.srv.store.GetUser(c.ctx, p.DelegateID); err == nil {
					n = u.Username
				}
				names[p.DelegateID] = n
				return n
			}
			return c.editEach(patches, store.PatchUpdate{DelegateID: &to}, value, tf.json)
		},
	}
	tf.add(cmd)
	return cmd
}

func (c *cli) archiveCmd() *cobra.Command {
	var tf targetFlags
	var off bool
	cmd := &cobra.Command{
		Use:     "archive [ID...] [--series N] [--unarchive] [--json]",
		Short:   "Archive patches (or unarchive them)",
		Long:    "Archive patches, or with --unarchive bring them back.\nAllowed for maintainers of a patch's project, its delegate, its submitter, and admins.",
		Example: "  ssh <host> archive 101 102\n  ssh <host> archive --series 42 --unarchive",
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, rest, err := splitIDs(args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return userErrorf("bad patch id %q: want a positive number", rest[0])
			}
			if _, err := c.needUser(); err != nil {
				return err
			}
			patches, err := c.patches(ids, tf.series)
			if err != nil {
				return err
			}
			archive := !off
			value := func(p *store.Patch) string {
				if p.Archived {
					return "archived"
				}
				return "not archived"
			}
			return c.editEach(patches, store.PatchUpdate{Archived: &archive}, value, tf.json)
		},
	}
	tf.add(cmd)
	cmd.Flags().BoolVar(&off, "unarchive", false, "unarchive instead")
	return cmd
}
