package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func newUserCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage user accounts, their SSH keys, tokens and maintainerships",
	}
	cmd.AddCommand(
		newUserAddCmd(app),
		newUserListCmd(app),
		newUserKeyCmd(app),
		newUserMaintainerCmd(app),
		newUserTokenCmd(app),
		newUserSetPasswordCmd(app),
	)
	return cmd
}

func newUserAddCmd(app *App) *cobra.Command {
	var (
		email, first, last string
		admin, pwStdin     bool
		keys               []string
	)
	cmd := &cobra.Command{
		Use:   "add NAME --email ADDR [--admin] [--password-stdin] [--key 'ssh-ed25519 ...']",
		Short: "Create a user account",
		Example: "  patchworkd user add alice --email alice@example.org --admin --key \"$(cat ~/.ssh/id_ed25519.pub)\"\n" +
			"  printf '%s\\n' \"$PW\" | patchworkd user add bob --email bob@example.org --password-stdin",
		Args: cobra.ExactArgs(1),
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "e-mail address (required)")
	f.StringVar(&first, "first-name", "", "first name")
	f.StringVar(&last, "last-name", "", "last name")
	f.BoolVar(&admin, "admin", false, "make the user an administrator")
	f.BoolVar(&pwStdin, "password-stdin", false, "read a password from standard input (for XML-RPC and REST Basic auth)")
	f.StringArrayVar(&keys, "key", nil, "SSH public key in authorized_keys form (repeatable)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		in := service.NewUser{Username: args[0], Email: email, FirstName: first, LastName: last, Admin: admin, Keys: keys}
		if pwStdin {
			pw, err := readPassword(app, false)
			if err != nil {
				return err
			}
			in.Password = pw
		}
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		u, parsed, err := svc.CreateUser(ctxOf(cmd), service.LocalAdmin(), in)
		if err != nil {
			return err
		}
		out := fmt.Sprintf("created user %s (id %d)", u.Username, u.ID)
		if len(parsed) > 0 {
			out += fmt.Sprintf(" with %d SSH key(s)", len(parsed))
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
		return err
	}
	return cmd
}

// userJSON is a user as `user list --json` prints it (never the hash).
type userJSON struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Admin       bool      `json:"admin"`
	Active      bool      `json:"active"`
	HasPassword bool      `json:"has_password"`
	DateJoined  time.Time `json:"date_joined"`
}

func newUserListCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List user accounts",
		Args:  cobra.NoArgs,
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		us, err := svc.ListUsers(ctxOf(cmd), service.LocalAdmin(), store.UserQuery{Order: "username"})
		if err != nil {
			return err
		}
		out := make([]userJSON, len(us))
		for i, u := range us {
			out[i] = userJSON{u.ID, u.Username, u.Email, u.FirstName, u.LastName, u.IsAdmin, u.Active, u.PasswordHash != "", u.DateJoined.UTC()}
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "ID", "USERNAME", "EMAIL", "ADMIN", "ACTIVE")
		for _, u := range out {
			t.row(u.ID, u.Username, u.Email, yesNo(u.Admin), yesNo(u.Active))
		}
		return t.flush()
	}
	return cmd
}
