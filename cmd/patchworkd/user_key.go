package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store/service"
)

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
			if _, err := service.ParseKey(text); err != nil {
				return err
			}
			ctx := ctxOf(cmd)
			svc, err := app.Service(cmd)
			if err != nil {
				return err
			}
			u, err := svc.User(ctx, args[0])
			if err != nil {
				return err
			}
			k, err := svc.AddKey(ctx, service.LocalAdmin(), u, text)
			if err != nil {
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
		svc, err := app.Service(cmd)
		if err != nil {
			return err
		}
		u, err := svc.User(ctx, args[0])
		if err != nil {
			return err
		}
		keys, err := svc.ListKeys(ctx, service.LocalAdmin(), u)
		if err != nil {
			return err
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
			svc, err := app.Service(cmd)
			if err != nil {
				return err
			}
			u, err := svc.User(ctx, args[0])
			if err != nil {
				return err
			}
			fp, err := svc.RemoveKey(ctx, service.LocalAdmin(), u, args[1])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed key %s from %s\n", fp, u.Username)
			return err
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}
