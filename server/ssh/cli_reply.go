package ssh

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// maxReplyBody bounds a piped reply: a quoted diff of a big patch fits,
// a runaway pipe does not.
const maxReplyBody = 4 << 20

func (c *cli) replyCmd() *cobra.Command {
	var trailer string
	var cover, dryRun, thanks bool
	var retry int64
	cmd := &cobra.Command{
		Use:   "reply ID [--trailer reviewed-by|acked-by|tested-by | --thanks] [--cover] [--dry-run] [< body.txt]",
		Short: "Reply by mail to a patch (or with --cover a cover letter): a trailer, or the body read from stdin",
		Long: "Reply by mail to patch ID, or with --cover to cover letter ID, from your confirmed address.\n" +
			"With --trailer the reply carries only that trailer (\"Reviewed-by: You <you@...>\") under the\n" +
			"quoted subject; without it the body is read from stdin as typed. Headers come from the thread:\n" +
			"To the sender, Cc the list and the original Cc's, In-Reply-To and References.\n" +
			"--thanks sends \"applied, thanks\" with the commit ref (b4 ty), to the series' cover letter if any.\n" +
			"--dry-run prints the mail instead of sending it. A mail the SMTP server refused stays a draft:\n" +
			"--retry DRAFT sends it again with the same Message-ID.",
		Args: func(cmd *cobra.Command, args []string) error {
			if retry != 0 {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			svc := c.srv.svc
			if retry != 0 {
				m, err := svc.RetryMail(c.ctx, c.id.User, retry)
				if err != nil {
					return err
				}
				return c.reportSent(m)
			}
			if thanks {
				id, err := parseID("patch", args[0])
				if err != nil {
					return err
				}
				return c.sendThanks([]int64{id})
			}
			what := "patch"
			if cover {
				what = "cover"
			}
			id, err := parseID(what, args[0])
			if err != nil {
				return err
			}
			t := service.ReplyTarget{PatchID: id}
			if cover {
				t = service.ReplyTarget{CoverID: id}
			}
			kind, body := store.SentReply, ""
			if trailer != "" {
				kind = store.SentTrailer
				if body, err = svc.TrailerBody(c.ctx, c.id.User, t, trailer); err != nil {
					return err
				}
			} else {
				// Refuse before waiting on stdin that may never come.
				if err := c.canReply(t); err != nil {
					return err
				}
				b, err := io.ReadAll(io.LimitReader(c.in, maxReplyBody+1))
				if err != nil {
					return fmt.Errorf("read the reply from stdin: %w", err)
				}
				if len(b) > maxReplyBody {
					return userErrorf("the reply is longer than %d bytes", maxReplyBody)
				}
				body = string(b)
			}
			if dryRun {
				m, err := svc.ComposeReply(c.ctx, c.id.User, t, kind, body)
				if err != nil {
					return err
				}
				_, err = io.WriteString(c.out, strings.ReplaceAll(string(m.Raw), "\r\n", "\n"))
				return err
			}
			var m *store.SentMail
			if trailer != "" {
				m, err = svc.SendTrailer(c.ctx, c.id.User, t, trailer)
			} else {
				m, err = svc.SendReply(c.ctx, c.id.User, t, body)
			}
			if err != nil {
				return err
			}
			return c.reportSent(m)
		},
	}
	cmd.Flags().StringVar(&trailer, "trailer", "", "send only this trailer: reviewed-by, acked-by or tested-by")
	cmd.Flags().BoolVar(&cover, "cover", false, "ID is a cover letter's id")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the mail instead of sending it")
	cmd.Flags().BoolVar(&thanks, "thanks", false, "send \"applied, thanks\" for patch ID (to its series' cover letter if it has one)")
	cmd.Flags().Int64Var(&retry, "retry", 0, "send the draft with this id again (same Message-ID)")
	return cmd
}

// sendThanks sends "applied, thanks" for the patches and says where.
func (c *cli) sendThanks(ids []int64) error {
	sent, err := c.srv.svc.SendThanks(c.ctx, c.id.User, ids)
	for i := range sent {
		if rerr := c.reportSent(&sent[i]); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// afterAccept follows the project's thank-you policy once patch id is
// Accepted: always sends, ask prints how to (a command line cannot ask).
func (c *cli) afterAccept(id, projectID int64) error {
	policy, err := c.srv.svc.ThanksPolicy(c.ctx, c.id.User, projectID)
	if err != nil {
		return err
	}
	switch policy {
	case store.ThanksAlways:
		return c.sendThanks([]int64{id})
	case store.ThanksAsk:
		fmt.Fprintf(c.out, "send \"applied, thanks\" with: ssh <host> reply %d --thanks\n", id)
	}
	return nil
}

// canReply tells, before stdin is read, whether the user may reply to t.
func (c *cli) canReply(t service.ReplyTarget) error {
	_, err := c.srv.svc.NewReplyDraft(c.ctx, c.id.User, t)
	return err
}

// reportSent prints where the mail went, or fails with the SMTP error and
// how to retry the draft.
func (c *cli) reportSent(m *store.SentMail) error {
	if m.Status != store.SentSent {
		return userErrorf("not sent: %s\nkept as draft %d (Message-ID %s); retry with: ssh <host> reply --retry %d", m.Error, m.ID, m.MsgID, m.ID)
	}
	fmt.Fprintf(c.out, "sent %s to %s (waiting for the list)\n", m.MsgID, strings.Join(m.Rcpt, ", "))
	return nil
}
