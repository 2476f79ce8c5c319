package ssh

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// userCmd is the admins' account management, mirroring `patchworkd user`.
func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage accounts (admins): list, add, key, maintainer, admin, token",
		PersistentPreRunE: func(*cobra.Command, []string) error {
			_, err := c.needAdmin()
			return err
		},
	}
	cmd.AddCommand(c.userListCmd(), c.userAddCmd(), c.userKeyCmd(), c.userMaintainerCmd(), c.userAdminCmd(), c.userTokenCmd())
	return cmd
}

func (c *cli) userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list [TEXT]",
		Short: "List accounts, optionally those matching TEXT",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := store.UserQuery{Order: "username"}
			if len(args) == 1 {
				q.Text = args[0]
			}
			users, err := c.srv.svc.ListUsers(c.ctx, c.id.User, q)
			if err != nil {
				return err
			}
			tw := table(c.out)
			fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tADMIN\tACTIVE")
			for _, u := range users {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Email, yesNo(u.IsAdmin), yesNo(u.Active))
			}
			return tw.Flush()
		},
	}
}

func (c *cli) userAddCmd() *cobra.Command {
	var email, first, last, key string
	var admin bool
	cmd := &cobra.Command{
		Use:   "add USERNAME --email ADDR [--admin] [--key KEY]",
		Short: "Create an active account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := service.NewUser{Username: args[0], Email: email, FirstName: first, LastName: last, Admin: admin}
			if key != "" {
				in.Keys = []string{key}
			}
			u, _, err := c.srv.svc.CreateUser(c.ctx, c.id.User, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "created user %s (id %d)\n", u.Username, u.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "e-mail address (required)")
	f.StringVar(&first, "first-name", "", "first name")
	f.StringVar(&last, "last-name", "", "last name")
	f.StringVar(&key, "key", "", "an SSH public key in authorized_keys form")
	f.BoolVar(&admin, "admin", false, "make the user an admin")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func (c *cli) userKeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Manage a user's SSH keys: add, list, remove"}
	cmd.AddCommand(&cobra.Command{
		Use:   "add USERNAME KEY...",
		Short: "Add a public key (authorized_keys form) to a user",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			k, err := c.srv.svc.AddKey(c.ctx, c.id.User, u, strings.Join(args[1:], " "))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "added %s %s to %s\n", k.Type, k.Fingerprint, u.Username)
			return nil
		},
	}, &cobra.Command{
		Use:   "list USERNAME",
		Short: "List a user's keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			return c.printKeys(u)
		},
	}, &cobra.Command{
		Use:   "remove USERNAME FINGERPRINT",
		Short: "Remove a user's key",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			fp, err := c.srv.svc.RemoveKey(c.ctx, c.id.User, u, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "removed %s from %s\n", fp, u.Username)
			return nil
		},
	})
	return cmd
}

func (c *cli) userMaintainerCmd() *cobra.Command {
	var remove bool
	cmd := &cobra.Command{
		Use:   "maintainer USERNAME PROJECT [--remove]",
		Short: "Make a user a maintainer of a project (or stop being one)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			p, err := c.srv.svc.Project(c.ctx, args[1])
			if err != nil {
				return err
			}
			if err := c.srv.svc.SetMaintainer(c.ctx, c.id.User, u, p, !remove); err != nil {
				return err
			}
			if remove {
				fmt.Fprintf(c.out, "%s no longer maintains %s\n", u.Username, p.LinkName)
				return nil
			}
			fmt.Fprintf(c.out, "%s maintains %s\n", u.Username, p.LinkName)
			return nil
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "remove instead of add")
	return cmd
}

func (c *cli) userAdminCmd() *cobra.Command {
	var remove bool
	cmd := &cobra.Command{
		Use:   "admin USERNAME [--remove]",
		Short: "Make a user an admin (or take it back)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			if err := c.srv.svc.SetAdmin(c.ctx, c.id.User, u, !remove); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "%s admin: %s\n", u.Username, yesNo(u.IsAdmin))
			return nil
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "take admin rights away")
	return cmd
}

func (c *cli) userTokenCmd() *cobra.Command {
	var regenerate bool
	cmd := &cobra.Command{
		Use:   "token USERNAME [--regenerate]",
		Short: "Make a user's REST token, shown this once (--regenerate replaces it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.srv.svc.User(c.ctx, args[0])
			if err != nil {
				return err
			}
			tok, err := c.issueToken(u, regenerate, "ssh <host> user token "+u.Username+" --regenerate")
			if err != nil {
				return err
			}
			fmt.Fprintln(c.out, tok)
			return nil
		},
	}
	cmd.Flags().BoolVar(&regenerate, "regenerate", false, "replace the token with a new one")
	// The flag's old name.
	cmd.Flags().BoolVar(&regenerate, "renew", false, "same as --regenerate")
	_ = cmd.Flags().MarkHidden("renew")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
