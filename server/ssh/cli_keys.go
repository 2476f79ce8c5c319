package ssh

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func (c *cli) keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage your SSH keys: list, add, remove",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List your SSH keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			return c.printKeys(u)
		},
	}, &cobra.Command{
		Use:   "add [KEY]",
		Short: "Add a public key (authorized_keys form, as an argument or on stdin): confirm from a session using it",
		Example: "  ssh <host> keys add < ~/.ssh/id_ed25519.pub\n" +
			"  ssh <host> keys add ssh-ed25519 AAAA... laptop\n" +
			"  ssh -i ~/.ssh/id_ed25519 <host> confirm TOKEN",
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			line := strings.Join(args, " ")
			if line == "" {
				if line, err = readLine(c.in); err != nil {
					return err
				}
			}
			// Proof of possession: the key joins the account only from a
			// session that authenticated with it.
			conf, k, err := c.srv.svc.RequestKey(c.ctx, u, u, line)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "To add %s %s, prove you hold it: connect with it within %d minutes and run\n\n    %s confirm %s\n\n"+
				"(for example: ssh -i <its private key file> ...).\n",
				k.Type, k.Fingerprint, int(service.KeyConfirmationValidity.Minutes()), c.sshCommand(), conf.Key)
			return nil
		},
	}, &cobra.Command{
		Use:   "remove FINGERPRINT",
		Short: "Remove one of your keys (not your last one)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := c.needUser()
			if err != nil {
				return err
			}
			fp, err := c.srv.svc.RemoveKey(c.ctx, u, u, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "removed %s\n", fp)
			return nil
		},
	})
	return cmd
}

func (c *cli) printKeys(u *store.User) error {
	keys, err := c.srv.svc.ListKeys(c.ctx, c.id.User, u)
	if err != nil {
		return err
	}
	tw := table(c.out)
	fmt.Fprintln(tw, "FINGERPRINT\tTYPE\tCOMMENT\tADDED")
	for _, k := range keys {
		mark := ""
		if k.Fingerprint == c.id.Fingerprint {
			mark = " (this session)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", k.Fingerprint, k.Type, k.Comment, day(k.Created), mark)
	}
	return tw.Flush()
}

// readLine reads one line from r (the session's stdin), without the newline.
// It reads byte by byte so nothing after the line is consumed.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	one := make([]byte, 1)
	for b.Len() < 64<<10 {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' || one[0] == '\r' {
				break
			}
			b.WriteByte(one[0])
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read stdin: %w", err)
		}
	}
	s := strings.TrimSpace(b.String())
	if s == "" {
		return "", userErrorf("nothing on stdin")
	}
	return s, nil
}
