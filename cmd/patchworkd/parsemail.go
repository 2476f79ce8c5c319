package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/lmtp"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// exTempFail (sysexits EX_TEMPFAIL) tells the mail server to keep the mail
// and deliver it again later.
const exTempFail = 75

func tempFail(err error) error { return &exitError{code: exTempFail, err: err} }

// connWaitLimit is how long parsemail waits for a database connection when
// the server has none free before it exits 75.
const connWaitLimit = 30 * time.Second

// openForMail opens the store for mail delivery: any failure, and a schema
// older than this binary, is temporary.
func openForMail(cmd *cobra.Command, a *App) (store.Store, error) {
	// The schema is checked below, once (Store would check it too).
	s, err := a.StoreAnySchema(cmd, false)
	// A burst of deliveries can use up the server's connections for a
	// moment; waiting a little for one beats handing the mail back to the
	// MTA, which retries only minutes later.
	deadline := time.Now().Add(connWaitLimit)
	for delay := 50 * time.Millisecond; err != nil && sqlstore.IsTooManyConnections(err) && time.Now().Before(deadline); delay = min(2*delay, time.Second) {
		a.Logger.Debug("database has no free connection; waiting", "delay", delay)
		select {
		case <-time.After(delay/2 + rand.N(delay)):
		case <-ctxOf(cmd).Done():
			return nil, tempFail(err)
		}
		s, err = a.StoreAnySchema(cmd, false)
	}
	if err != nil {
		return nil, tempFail(err)
	}
	cur, err := s.SchemaCurrent(ctxOf(cmd))
	if err != nil {
		return nil, tempFail(fmt.Errorf("schema check: %w", err))
	}
	if !cur {
		return nil, tempFail(errSchemaOld)
	}
	return s, nil
}

func newParsemailCmd(a *App) *cobra.Command {
	var listID string
	cmd := &cobra.Command{
		Use:   "parsemail [--list-id ID] [FILE]",
		Short: "Take in one mail (from FILE or standard input); for the mail server",
		Long: "parsemail reads one mail and stores it as a patch, cover letter or comment.\n" +
			"Exit 0: stored, ignored or a duplicate. A mail that cannot be parsed is kept\n" +
			"(see `patchworkd failed`) and also exits 0, so the list gets no bounce.\n" +
			"Exit 75 (EX_TEMPFAIL): the database cannot be reached or its schema is old;\n" +
			"the mail server keeps the mail and tries again.\n\n" +
			"With mail_socket (or lmtp_addr) set, and serve running with the same setting,\n" +
			"parsemail hands the mail to the daemon over LMTP and the daemon stores it on\n" +
			"its own database connections, which is cheaper for the database; parsemail\n" +
			"stores it itself when no daemon answers.\n\n" +
			"In /etc/aliases:  patchwork: \"|/usr/local/bin/patchworkd parsemail\"",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.Flags().StringVar(&listID, "list-id", "", "take the mail as coming from this list id (default: its List-Id header)")
	cmd.Flags().String("mail-socket", "", "hand the mail to the serve daemon over LMTP on this Unix socket, storing it directly when none answers (env PATCHWORK_MAIL_SOCKET)")
	cmd.Flags().String("lmtp-addr", "", "as --mail-socket, on this TCP address (env PATCHWORK_LMTP_ADDR; --mail-socket comes first)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := ctxOf(cmd)
		var raw []byte
		var err error
		if len(args) == 1 {
			raw, err = os.ReadFile(args[0])
		} else {
			raw, err = io.ReadAll(cmd.InOrStdin())
		}
		if err != nil {
			return tempFail(fmt.Errorf("read mail: %w", err))
		}
		addr := a.Config.MailSocket
		if addr == "" {
			addr = a.Config.LMTPAddr
		}
		// A list id that cannot travel in a recipient address is stored
		// directly, as without a daemon.
		if addr != "" && lmtp.ValidListID(listID) {
			ans, err := lmtp.Send(ctx, addr, raw, listID)
			switch {
			case err == nil && !ans.Temporary:
				a.Logger.Info("mail taken by the daemon", "lmtp", addr, "result", ans.Message)
				return nil
			case err == nil:
				return tempFail(fmt.Errorf("daemon on %s: %s", addr, ans.Message))
			case !errors.Is(err, lmtp.ErrNoServer) && !errors.Is(err, lmtp.ErrTooLarge):
				// Sent, fate unknown: a second delivery is a duplicate at worst.
				return tempFail(fmt.Errorf("daemon on %s: %w", addr, err))
			}
			a.Logger.Debug("mail not handed to the daemon; storing directly", "lmtp", addr, "err", err)
		}
		s, err := openForMail(cmd, a)
		if err != nil {
			return err
		}
		d := a.newIngester(s).Deliver(ctx, raw, listID)
		if d.Temporary {
			return tempFail(d.Err) // printed once, as the command's error
		}
		logDelivery(a.Logger, d)
		return nil
	}
	return cmd
}

// logDelivery writes one line about a delivered mail (parsemail's own, or
// one the daemon took over LMTP); it returns that line's gist.
func logDelivery(logger *slog.Logger, d mailin.Delivery) string {
	res := d.Result
	switch {
	case d.Temporary:
		logger.Error("mail not taken; the mail server will retry", "err", d.Err)
		return "temporary failure: " + d.Err.Error()
	case d.FailedID != 0 && res.Kind == mailin.Rejected:
		logger.Warn("bad mail kept", "failed_id", d.FailedID, "msgid", res.MsgID, "reason", res.Reason)
		return fmt.Sprintf("bad mail kept as failed mail %d: %s", d.FailedID, res.Reason)
	case d.FailedID != 0:
		logger.Error("mail could not be stored; kept", "failed_id", d.FailedID, "err", d.Err)
		return fmt.Sprintf("kept as failed mail %d: %v", d.FailedID, d.Err)
	}
	logger.Info("mail", "result", res.Kind.String(), "msgid", res.MsgID, "reason", res.Reason,
		"patch", res.PatchID, "cover", res.CoverID, "comment", res.CommentID, "series", res.SeriesID)
	return fmt.Sprintf("%s %s", res.Kind, res.MsgID)
}
