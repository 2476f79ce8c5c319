package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
)

// parseSSHKey reads one public key in authorized_keys form (options and a
// comment allowed) into an SSHKey with its SHA256 fingerprint.
func parseSSHKey(text string) (store.SSHKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.SSHKey{}, errors.New("empty SSH key")
	}
	pub, comment, _, rest, err := gossh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return store.SSHKey{}, fmt.Errorf("invalid SSH public key %q: %v", abbrev(text, 40), err)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return store.SSHKey{}, fmt.Errorf("give one SSH key at a time (found more after %s)", pub.Type())
	}
	return store.SSHKey{
		Type:        pub.Type(),
		Fingerprint: gossh.FingerprintSHA256(pub),
		Comment:     comment,
		Key:         strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))),
		Created:     time.Now().UTC(),
	}, nil
}

func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// addSSHKey stores a parsed key with a CLI-ready conflict message.
func addSSHKey(ctx context.Context, s store.Store, k *store.SSHKey) error {
	if err := s.AddSSHKey(ctx, k); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("SSH key %s is already registered", k.Fingerprint)
		}
		return fmt.Errorf("add SSH key %s: %w", k.Fingerprint, err)
	}
	return nil
}

// keyJSON is a key as `user key list --json` prints it.
type keyJSON struct {
	Type        string    `json:"type"`
	Fingerprint string    `json:"fingerprint"`
	Comment     string    `json:"comment"`
	Key         string    `json:"key"`
	Created     time.Time `json:"created"`
}

func newUserKeyCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage a user's SSH public keys",
	}
	add := &cobra.Command{
		Use:     "add NAME KEY",
		Short:   "Add an SSH public key (KEY in authorized_keys form, or - to read it from stdin)",
		Example: "  patchworkd user key add alice \"$(cat ~/.ssh/id_ed25519.pub)\"\n  patchworkd user key add alice - < id_ed25519.pub",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := args[1]
			if text == "-" {
				b, err := io.ReadAll(io.LimitReader(app.stdin, 64<<10))
				if err != nil {
					return fmt.Errorf("read key from stdin: %w", err)
				}
				text = string(b)
			}
			k, err := parseSSHKey(text)
			if err != nil {
				return err
			}
			ctx := ctxOf(cmd)
			s, err := app.Store(cmd, false)
			if err != nil {
				return err
			}
			u, err := getUser(ctx, s, args[0])
			if err != nil {
				return err
			}
			k.UserID = u.ID
			if err := addSSHKey(ctx, s, &k); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "added %s key %s to %s\n", k.Type, k.Fingerprint, u.Username)
			return err
		},
	}
	list := &cobra.Command{
		Use:   "list NAME",
		Short: "List a user's SSH keys",
		Args:  cobra.ExactArgs(1),
	}
	asJSON := addJSONFlag(list)
	list.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		s, err := app.Store(cmd, false)
		if err != nil {
			return err
		}
		u, err := getUser(ctx, s, args[0])
		if err != nil {
			return err
		}
		keys, err := s.ListSSHKeys(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("list keys of %q: %w", u.Username, err)
		}
		out := make([]keyJSON, len(keys))
		for i, k := range keys {
			out[i] = keyJSON{k.Type, k.Fingerprint, k.Comment, k.Key, k.Created.UTC()}
		}
		if *asJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		t := newTable(cmd.OutOrStdout(), "TYPE", "FINGERPRINT", "COMMENT")
		for _, k := range out {
			t.row(k.Type, k.Fingerprint, k.Comment)
		}
		return t.flush()
	}
	remove := &cobra.Command{
		Use:   "remove NAME FINGERPRINT",
		Short: "Remove an SSH key by its SHA256:... fingerprint",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := ctxOf(cmd)
			s, err := app.Store(cmd, false)
			if err != nil {
				return err
			}
			u, err := getUser(ctx, s, args[0])
			if err != nil {
				return err
			}
			if err := s.DeleteSSHKey(ctx, u.ID, args[1]); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("user %q has no SSH key %s", u.Username, args[1])
				}
				return fmt.Errorf("remove key %s: %w", args[1], err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed key %s from %s\n", args[1], u.Username)
			return err
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}
