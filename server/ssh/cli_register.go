package ssh

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// confirmationValidity is how long a registration token works.
const confirmationValidity = service.ConfirmationValidity

func (c *cli) registerCmd() *cobra.Command {
	var email, username string
	cmd := &cobra.Command{
		Use:   "register --email ADDR [--username NAME]",
		Short: "Register the key you connect with: a confirmation mail goes to ADDR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.register(email, username)
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "your e-mail address (required)")
	cmd.Flags().StringVar(&username, "username", "", "the user name to take (default: the part of the address before @)")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func (c *cli) register(email, username string) error {
	if c.id.User != nil {
		return userErrorf("this key already belongs to %s", c.id.User.Username)
	}
	if c.id.Fingerprint == "" {
		return userErrorf("register needs an SSH key: connect with the key you want to register")
	}
	if c.srv.opts.Mailer == nil {
		return userErrorf("registration is disabled on this server (it has no mail sender configured); ask an admin to add you")
	}
	req, err := c.srv.svc.Register(c.ctx, service.Registration{
		Email: email, Username: username, PublicKey: c.id.AuthorizedKey, Addr: c.sess.RemoteAddr().String(),
	}, func(ctx context.Context, m service.RegistrationMail) error {
		// The mail may be slow; a client hanging up must not cancel it
		// halfway.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := c.srv.opts.Mailer.Send(ctx, []string{m.To}, "Patchwork account confirmation", c.registrationMail(m)); err != nil {
			c.srv.logger.Error("send registration mail", "to", m.To, "err", err)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The same answer whether or not the address has an account or the
	// name is taken: the mail tells its owner which.
	fmt.Fprintf(c.out, "A confirmation mail was sent to %s.\nFollow its link or run its command within %d days to create the account %q with key %s.\n",
		req.Email, int(confirmationValidity.Hours()/24), req.Username, c.id.Fingerprint)
	return nil
}

// registrationMail is the body of the mail a registration sends: the
// token, or why there is none (only the address's owner reads that).
func (c *cli) registrationMail(m service.RegistrationMail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nsomeone, probably you, asked to register the account %q on Patchwork", m.Username)
	if c.srv.opts.BaseURL != "" {
		fmt.Fprintf(&b, " (%s)", c.srv.opts.BaseURL)
	}
	fmt.Fprintf(&b, "\nwith this address and the SSH key %s.\n\n", m.Fingerprint)
	switch {
	case m.Account != "":
		fmt.Fprintf(&b, "This address already has the account %q, so no new account was made.\n"+
			"To add that key to your account, connect with one of your keys and run:\n\n    %s keys add '<the public key>'\n\n"+
			"If you did not ask for this, ignore this mail.\n", m.Account, c.sshCommand())
		return b.String()
	case m.NameTaken:
		fmt.Fprintf(&b, "The user name %q is taken, so no account was made. Register again with another name:\n\n"+
			"    %s register --email %s --username <another name>\n\n"+
			"If you did not ask for this, ignore this mail.\n", m.Username, c.sshCommand(), m.To)
		return b.String()
	}
	conf := m.Confirmation
	if base := strings.TrimRight(c.srv.opts.BaseURL, "/"); base != "" {
		fmt.Fprintf(&b, "To confirm, open this page and press \"Create account\":\n\n    %s/confirm/%s/\n\nor run:\n\n", base, conf.Key)
	} else {
		b.WriteString("To confirm, run:\n\n")
	}
	fmt.Fprintf(&b, "    %s confirm %s\n\n", c.sshCommand(), conf.Key)
	fmt.Fprintf(&b, "The token works for %d days. If you did not ask for this, ignore this mail.\n", int(confirmationValidity.Hours()/24))
	return b.String()
}

// sshCommand is how users reach this server: the host of BaseURL and the
// port we listen on.
func (c *cli) sshCommand() string {
	host := "<host>"
	if u, err := url.Parse(c.srv.opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if a := c.srv.Addr(); a != nil {
		if _, port, err := net.SplitHostPort(a.String()); err == nil && port != "22" {
			return "ssh -p " + port + " " + host
		}
	}
	return "ssh " + host
}

func (c *cli) confirmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "confirm TOKEN",
		Short: "Finish a registration with the token from its mail, or a key's addition from a session using that key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, key, created, err := c.confirm(strings.TrimSpace(args[0]))
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(c.out, "Welcome, %s: your account is active and key %s is registered.\n", u.Username, key.Fingerprint)
			} else {
				fmt.Fprintf(c.out, "added %s %s to %s\n", key.Type, key.Fingerprint, u.Username)
			}
			return nil
		},
	}
}

// confirm uses up a token: a registration's creates the user and key
// (service.ConfirmRegistration, shared with the web link); a key's adds
// the key this session authenticated with, the proof that its holder
// asks.
func (c *cli) confirm(token string) (*store.User, *store.SSHKey, bool, error) {
	u, key, created, err := c.srv.svc.ConfirmFromSession(c.ctx, token, confirmationValidity, c.id.Fingerprint, c.id.User)
	if err != nil {
		return nil, nil, false, err
	}
	if created {
		c.srv.logger.Info("user registered over ssh", "user", u.Username, "email", u.Email, "key", key.Fingerprint)
	} else {
		c.srv.logger.Info("key added over ssh", "user", u.Username, "key", key.Fingerprint)
	}
	return u, key, created, nil
}
