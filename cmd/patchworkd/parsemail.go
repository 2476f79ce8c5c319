package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// exTempFail (sysexits EX_TEMPFAIL) tells the mail server to keep the mail
// and deliver it again later.
const exTempFail = 75

func tempFail(err error) error { return &exitError{code: exTempFail, err: err} }

// mailProblem reports whether a store error is about this mail's data (it
// would fail again) rather than the database being unwell. Everything not
// known to be the mail's fault is treated as temporary: retrying costs a
// delivery attempt, guessing wrong the other way could lose the mail.
func mailProblem(err error) bool {
	return !errors.Is(err, store.ErrUnavailable) &&
		(errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict))
}

// connWaitLimit is how long parsemail waits for a database connection when
// the server has none free before it exits 75.
const connWaitLimit = 30 * time.Second

// openForMail opens the store for mail delivery: any failure, and a schema
// older than this binary, is temporary.
func openForMail(cmd *cobra.Command, a *App) (store.Store, error) {
	s, err := a.Store(cmd, false)
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
		s, err = a.Store(cmd, false)
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

// keepFailed stores a mail that cannot be taken in, for `failed retry`.
func keepFailed(ctx context.Context, s store.Store, raw []byte, reason string) (int64, error) {
	fm := &store.FailedMail{Raw: raw, Error: reason}
	if err := s.SaveFailedMail(ctx, fm); err != nil {
		return 0, err
	}
	return fm.ID, nil
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
			"In /etc/aliases:  patchwork: \"|/usr/local/bin/patchworkd parsemail\"",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.Flags().StringVar(&listID, "list-id", "", "take the mail as coming from this list id (default: its List-Id header)")
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
		s, err := openForMail(cmd, a)
		if err != nil {
			return err
		}
		res, err := mailin.NewIngester(s, a.Logger).Ingest(ctx, raw, listID)
		if err != nil {
			if !mailProblem(err) {
				return tempFail(err)
			}
			id, serr := keepFailed(ctx, s, raw, err.Error())
			if serr != nil {
				return tempFail(fmt.Errorf("%v; keeping it failed too: %w", err, serr))
			}
			a.Logger.Error("mail could not be stored; kept", "failed_id", id, "err", err)
			return nil
		}
		if res.Kind == mailin.Rejected {
			id, err := keepFailed(ctx, s, raw, res.Reason)
			if err != nil {
				return tempFail(fmt.Errorf("keep rejected mail: %w", err))
			}
			a.Logger.Warn("bad mail kept", "failed_id", id, "msgid", res.MsgID, "reason", res.Reason)
			return nil
		}
		a.Logger.Info("mail", "result", res.Kind.String(), "msgid", res.MsgID, "reason", res.Reason,
			"patch", res.PatchID, "cover", res.CoverID, "comment", res.CommentID, "series", res.SeriesID)
		return nil
	}
	return cmd
}
