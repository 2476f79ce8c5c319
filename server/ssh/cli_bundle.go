package ssh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// bundleJSON is a bundle for --json.
type bundleJSON struct {
	ID      int64        `json:"id"`
	Name    string       `json:"name"`
	Owner   string       `json:"owner"`
	Project string       `json:"project"`
	Public  bool         `json:"public"`
	Count   int          `json:"count"`
	Patches []bundleItem `json:"patches,omitempty"`
}

type bundleItem struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	State   string `json:"state"`
	stateID int64
}

func (c *cli) bundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle list|show|add|remove",
		Short: "List, show, fill and empty bundles (named lists of patches)",
		Long: "Bundles are named lists of patches. BUNDLE is the name of one of yours, or\n" +
			"OWNER/NAME for someone else's public bundle. Adding to a bundle of yours that does\n" +
			"not exist creates it; only a bundle's owner (or an admin) changes it.",
		Example: "  ssh <host> bundle add review 101 102\n  ssh <host> bundle show review --mbox | git am\n" +
			"  ssh <host> bundle show alice/for-next --json",
	}
	var asJSON, asMbox bool
	var tf targetFlags
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "List your bundles and everyone's public ones",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return c.bundleList(asJSON) },
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use:   "show BUNDLE [--json] [--mbox]",
		Short: "Show a bundle's patches, or print them as an mbox",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := c.findBundle(args[0])
			if err != nil {
				return err
			}
			if asMbox {
				return mbox.WriteBundle(c.ctx, c.raw, c.srv.store, b.ID)
			}
			return c.bundleShow(b, asJSON)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show.Flags().BoolVar(&asMbox, "mbox", false, "print the patches as one mbox (for git am)")
	add := &cobra.Command{
		Use:   "add BUNDLE [ID...] [--series N] [--json]",
		Short: "Add patches to a bundle (one of yours is created if missing)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.bundleChange(args, tf, true)
		},
	}
	remove := &cobra.Command{
		Use:   "remove BUNDLE [ID...] [--series N] [--json]",
		Short: "Take patches out of a bundle",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.bundleChange(args, tf, false)
		},
	}
	for _, sub := range []*cobra.Command{add, remove} {
		tf.add(sub)
		sub.Flags().Lookup("json").Usage = "print the bundle as JSON"
	}
	cmd.AddCommand(list, show, add, remove)
	return cmd
}

// findBundle resolves NAME (the session user's) or OWNER/NAME, among the
// bundles the session may see.
func (c *cli) findBundle(arg string) (*store.Bundle, error) {
	st := c.srv.store
	owner, name, ok := strings.Cut(arg, "/")
	var ownerID int64
	if !ok {
		name = arg
		u, err := c.needUser()
		if err != nil {
			return nil, userErrorf("bundle %q: name someone's bundle as OWNER/NAME (anonymous sessions have none)", arg)
		}
		ownerID = u.ID
	} else {
		u, err := st.GetUserByName(c.ctx, owner)
		if errors.Is(err, store.ErrNotFound) {
			return nil, userErrorf("no bundle %q: unknown user %q", arg, owner)
		}
		if err != nil {
			return nil, err
		}
		ownerID = u.ID
	}
	b, err := st.GetBundleByName(c.ctx, ownerID, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !service.MaySeeBundle(c.id.User, b)) {
		return nil, userErrorf("no bundle %q", arg)
	}
	return b, err
}

func (c *cli) bundleList(asJSON bool) error {
	st := c.srv.store
	bs, err := st.ListBundles(c.ctx, store.BundleQuery{ViewerID: viewerID(c.id.User), Order: "owner"})
	if err != nil {
		return err
	}
	out := make([]bundleJSON, 0, len(bs))
	for i := range bs {
		j, err := c.bundleJSONOf(&bs[i], false)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	if asJSON {
		return writeJSON(c.raw, out)
	}
	tw := table(c.out)
	fmt.Fprintln(tw, "ID\tOWNER\tNAME\tPROJECT\tPUBLIC\tPATCHES")
	for _, b := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", b.ID, b.Owner, b.Name, b.Project, yesNo(b.Public), b.Count)
	}
	return tw.Flush()
}

func (c *cli) bundleShow(b *store.Bundle, asJSON bool) error {
	j, err := c.bundleJSONOf(b, true)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c.raw, j)
	}
	tw := table(c.out)
	fmt.Fprintf(tw, "Bundle:\t%s/%s\n", j.Owner, j.Name)
	fmt.Fprintf(tw, "Project:\t%s\n", j.Project)
	fmt.Fprintf(tw, "Public:\t%s\n", yesNo(j.Public))
	fmt.Fprintf(tw, "Patches:\t%d\n", j.Count)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.out)
	tw = table(c.out)
	fmt.Fprintln(tw, "ID\tSTATE\tNAME")
	states, err := c.states()
	if err != nil {
		return err
	}
	for _, p := range j.Patches {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", p.ID, states.name(p.stateID), p.Name)
	}
	return tw.Flush()
}

// bundleChange adds the patches of args[1:] (and --series) to the bundle
// args[0], or removes them.
func (c *cli) bundleChange(args []string, tf targetFlags, add bool) error {
	user, err := c.needUser()
	if err != nil {
		return err
	}
	ids, rest, err := splitIDs(args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return userErrorf("bad patch id %q: want a positive number", rest[0])
	}
	patches, err := c.patches(ids, tf.series)
	if err != nil {
		return err
	}
	ids = ids[:0]
	for _, p := range patches {
		ids = append(ids, p.ID)
	}
	var b *store.Bundle
	owner, name, other := strings.Cut(args[0], "/")
	if add && (!other || owner == user.Username) {
		if other {
			args[0] = name
		}
		a, err := c.srv.svc.AddToBundleReport(c.ctx, user, patches[0].ProjectID, args[0], ids)
		if err != nil {
			return err
		}
		b = a.Bundle
		if !tf.json {
			fmt.Fprintf(c.out, "bundle %s: %d added, %d there already\n", b.Name, len(a.Added), len(ids)-len(a.Added))
		}
	} else {
		if b, err = c.findBundle(args[0]); err != nil {
			return err
		}
		if add {
			had, err := c.srv.store.BundlePatchIDs(c.ctx, b.ID)
			if err != nil {
				return err
			}
			if err := c.srv.svc.UpdateBundle(c.ctx, user, b, service.BundleChange{Patches: append(had, ids...)}, service.AdminsToo); err != nil {
				return err
			}
			if !tf.json {
				fmt.Fprintf(c.out, "bundle %s: %d added\n", args[0], len(ids))
			}
		} else {
			if err := c.srv.svc.RemoveFromBundle(c.ctx, user, b, ids, service.AdminsToo); err != nil {
				return err
			}
			if !tf.json {
				fmt.Fprintf(c.out, "bundle %s: %d removed\n", args[0], len(ids))
			}
		}
	}
	if tf.json {
		j, err := c.bundleJSONOf(b, true)
		if err != nil {
			return err
		}
		return writeJSON(c.raw, j)
	}
	return nil
}

// bundleJSONOf describes b, with its patches when withPatches.
func (c *cli) bundleJSONOf(b *store.Bundle, withPatches bool) (bundleJSON, error) {
	st := c.srv.store
	j := bundleJSON{ID: b.ID, Name: b.Name, Public: b.Public}
	if u, err := st.GetUser(c.ctx, b.OwnerID); err == nil {
		j.Owner = u.Username
	}
	if p, err := st.GetProject(c.ctx, b.ProjectID); err == nil {
		j.Project = p.LinkName
	}
	ids, err := st.BundlePatchIDs(c.ctx, b.ID)
	if err != nil {
		return j, fmt.Errorf("patches of bundle %d: %w", b.ID, err)
	}
	j.Count = len(ids)
	if !withPatches {
		return j, nil
	}
	states, err := c.states()
	if err != nil {
		return j, err
	}
	j.Patches = []bundleItem{}
	for _, id := range ids {
		p, err := st.GetPatch(c.ctx, id)
		if err != nil {
			return j, fmt.Errorf("patch %d of bundle %d: %w", id, b.ID, err)
		}
		j.Patches = append(j.Patches, bundleItem{ID: p.ID, Name: p.Name, State: states[p.StateID].Slug, stateID: p.StateID})
	}
	return j, nil
}

// viewerID is the bundle viewer of u: 0 (public bundles only) when
// anonymous.
func viewerID(u *store.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}
