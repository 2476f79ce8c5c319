package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
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

// usernameRE is Django's username rule, which upstream accounts follow.
// The length is checked apart: a counted repetition compiles to one copy
// of the class per count, time every process start (parsemail's) pays.
var usernameRE = regexp.MustCompile(`^[\w.@+-]+$`)

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
		name := args[0]
		if len(name) > 150 || !usernameRE.MatchString(name) {
			return fmt.Errorf("username %q: use up to 150 letters, digits and . @ + - _", name)
		}
		addr, err := mail.ParseAddress(email)
		if email == "" || err != nil || addr.Name != "" {
			return fmt.Errorf("--email: %q is not a bare mail address", email)
		}
		// Everything that can be wrong with the input is checked before
		// the first write.
		parsed := make([]store.SSHKey, 0, len(keys))
		for _, k := range keys {
			sk, err := parseSSHKey(k)
			if err != nil {
				return err
			}
			parsed = append(parsed, sk)
		}
		u := store.User{
			Username: name, Email: addr.Address, FirstName: first, LastName: last,
			IsAdmin: admin, Active: true, DateJoined: time.Now().UTC(), ItemsPerPage: 100,
		}
		if pwStdin {
			pw, err := readPassword(app, false)
			if err != nil {
				return err
			}
			if u.PasswordHash, err = hashPassword(pw); err != nil {
				return err
			}
		}
		ctx := ctxOf(cmd)
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		err = s.InTx(ctx, func(tx store.Store) error {
			return createUser(ctx, tx, &u, parsed)
		})
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

// createUser writes the user, its keys and the link to its Person in the
// caller's transaction.
func createUser(ctx context.Context, tx store.Store, u *store.User, keys []store.SSHKey) error {
	if err := tx.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a user named %q or with e-mail %s already exists", u.Username, u.Email)
		}
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	for i := range keys {
		keys[i].UserID = u.ID
		if err := addSSHKey(ctx, tx, &keys[i]); err != nil {
			return err
		}
	}
	// Mails from this address become the user's (delegation, "my patches").
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if _, err := tx.UpsertPerson(ctx, u.Email, name, false); err != nil {
		return fmt.Errorf("person for %s: %w", u.Email, err)
	}
	if err := tx.LinkPerson(ctx, u.Email, u.ID); err != nil {
		return fmt.Errorf("link %s to user %q: %w", u.Email, u.Username, err)
	}
	return nil
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
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		us, err := s.ListUsers(ctxOf(cmd), store.UserQuery{Order: "username"})
		if err != nil {
			return fmt.Errorf("list users: %w", err)
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
