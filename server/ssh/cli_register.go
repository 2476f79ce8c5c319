package ssh

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"sync"
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
	req, err := c.srv.svc.CheckRegistration(c.ctx, service.Registration{Email: email, Username: username, PublicKey: c.id.AuthorizedKey})
	if err != nil {
		return err
	}
	email, username = req.Email, req.Username
	if wait := c.srv.mailGate.wait(c.now(), c.id.Fingerprint, strings.ToLower(email)); wait > 0 {
		return userErrorf("a confirmation mail for this key or address went out less than %d minutes ago; check your mail (and spam folder) or try again in %d minutes",
			int(registrationGap.Minutes()), int(math.Ceil(wait.Minutes())))
	}
	conf, err := c.srv.svc.StartRegistration(c.ctx, req)
	if err != nil {
		return err
	}
	// The mail may be slow; a client hanging up must not cancel it halfway.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), time.Minute)
	defer cancel()
	if err := c.srv.opts.Mailer.Send(ctx, []string{email}, "Patchwork account confirmation", c.registrationMail(conf)); err != nil {
		c.srv.logger.Error("send registration mail", "to", email, "err", err)
		return userErrorf("could not send the confirmation mail to %s; try again later", email)
	}
	c.srv.mailGate.sent(c.now(), c.id.Fingerprint, strings.ToLower(email))
	fmt.Fprintf(c.out, "A confirmation mail was sent to %s.\nFollow its link or run its command within %d days to create the account %q with key %s.\n",
		email, int(confirmationValidity.Hours()/24), username, c.id.Fingerprint)
	return nil
}

// registrationMail is the body of the confirmation mail.
func (c *cli) registrationMail(conf *store.Confirmation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nsomeone, probably you, asked to register the account %q on Patchwork", conf.Username)
	if c.srv.opts.BaseURL != "" {
		fmt.Fprintf(&b, " (%s)", c.srv.opts.BaseURL)
	}
	fmt.Fprintf(&b, "\nwith this address and the SSH key %s.\n\n", c.id.Fingerprint)
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
		Short: "Finish a registration with the token from the confirmation mail",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, key, err := c.confirm(strings.TrimSpace(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "Welcome, %s: your account is active and key %s is registered.\n", u.Username, key.Fingerprint)
			return nil
		},
	}
}

// confirm creates the user and key a registration token stands for and
// uses the token up (service.ConfirmRegistration, shared with the web link).
func (c *cli) confirm(token string) (*store.User, *store.SSHKey, error) {
	u, key, err := c.srv.svc.ConfirmRegistration(c.ctx, token, confirmationValidity)
	if err != nil {
		return nil, nil, err
	}
	c.srv.logger.Info("user registered over ssh", "user", u.Username, "email", u.Email, "key", key.Fingerprint)
	return u, key, nil
}

// registrationGap is how long a key or an address waits between two
// registration mails, so that nobody can use the server to flood a
// mailbox.
const registrationGap = 10 * time.Minute

// mailGate remembers when registration mails went out, per key and per
// address. It lives in the server (a restart forgets it, which only
// allows one more mail).
type mailGate struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// wait is how long until a mail for any of keys may go out, 0 for now.
func (g *mailGate) wait(now time.Time, keys ...string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var longest time.Duration
	for k, at := range g.last {
		if now.Sub(at) >= registrationGap {
			delete(g.last, k)
		}
	}
	for _, k := range keys {
		if at, ok := g.last[k]; ok {
			longest = max(longest, registrationGap-now.Sub(at))
		}
	}
	return longest
}

// sent records a mail for keys at now.
func (g *mailGate) sent(now time.Time, keys ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil {
		g.last = map[string]time.Time{}
	}
	for _, k := range keys {
		g.last[k] = now
	}
}
