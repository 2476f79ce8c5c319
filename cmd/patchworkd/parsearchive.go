package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
)

func newParsearchiveCmd(a *App) *cobra.Command {
	var listID string
	var batch int
	cmd := &cobra.Command{
		Use:   "parsearchive [--list-id ID] MBOX|MAILDIR...",
		Short: "Load list archives (mbox files, maildirs)",
		Long: "parsearchive stores every mail of the archives in order, as parsemail would.\n" +
			"It can be stopped and run again: mails already stored count as duplicates.\n" +
			"Mails that cannot be parsed are kept (see `patchworkd failed`).",
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&listID, "list-id", "", "take every mail as coming from this list id")
	cmd.Flags().IntVar(&batch, "batch", 400, "mails per transaction (a transaction also ends at 32 MiB of mail)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if batch < 1 {
			return fmt.Errorf("--batch must be at least 1")
		}
		ctx := ctxOf(cmd)
		s, err := openForMail(cmd, a)
		if err != nil {
			return err
		}
		kept, err := failedDigests(ctx, s)
		if err != nil {
			return err
		}
		imp := &importer{ctx: ctx, s: s, ing: a.newIngester(s), listID: listID,
			kept: kept, progress: progressWriter(a.stderr)}
		runErr := imp.run(args, batch)
		if runErr == nil {
			runErr = imp.placeHeld()
		}
		if imp.progress != nil {
			fmt.Fprintln(imp.progress)
		}
		t := &imp.tally
		fmt.Fprintf(cmd.OutOrStdout(), "Processed %d messages --> %d patches, %d covers, %d comments, %d series, %d duplicates, %d dropped, %d failed, %d held\n",
			t.Messages, t.Count(mailin.StoredPatch), t.Count(mailin.StoredCover),
			t.Count(mailin.StoredPatchComment)+t.Count(mailin.StoredCoverComment), t.SeriesCreated,
			t.Count(mailin.Duplicate), t.Count(mailin.Dropped), t.Count(mailin.Rejected), t.Count(mailin.Held))
		if runErr != nil && errors.Is(runErr, store.ErrUnavailable) {
			return tempFail(fmt.Errorf("%w (run parsearchive again to continue: stored mails count as duplicates)", runErr))
		}
		return runErr
	}
	return cmd
}

// importer feeds an archive in batches, one transaction each.
type importer struct {
	ctx      context.Context
	s        store.Store
	ing      *mailin.Ingester
	listID   string
	tally    mailin.Tally
	kept     map[[32]byte]bool
	progress io.Writer
}

// parsedBatch is a batch read and parsed, and the archive it came from.
type parsedBatch struct {
	path string
	b    *mailin.ParsedBatch
}

// batchBytes ends a batch early: a batch and the one parsed ahead of it
// are in memory at once, and an archive may hold huge mails. 400 mails of
// a list are a few MiB.
const batchBytes = 32 << 20

// run reads and parses the next batch while the current one is stored:
// parsing is a good part of an import's CPU, and the database waits
// otherwise.
func (imp *importer) run(paths []string, batch int) error {
	ctx, cancel := context.WithCancel(imp.ctx)
	defer cancel()
	batches := make(chan parsedBatch, 1)
	var readErr error // written before batches closes
	go func() {
		defer close(batches)
		var pending [][]byte
		var size int
		send := func(path string) error {
			if len(pending) == 0 {
				return nil
			}
			pb := parsedBatch{path: path, b: imp.ing.ParseBatch(pending)}
			pending, size = nil, 0
			select {
			case batches <- pb:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for _, path := range paths {
			err := mailin.ReadArchive(path, func(raw []byte) error {
				pending = append(pending, raw)
				size += len(raw)
				if len(pending) >= batch || size >= batchBytes {
					return send(path)
				}
				return nil
			})
			if err == nil {
				err = send(path)
			}
			if err != nil {
				readErr = fmt.Errorf("%s: %w", path, err)
				return
			}
		}
	}()
	var runErr error
	for pb := range batches {
		if runErr != nil {
			continue // drain: the reader stops at its next send
		}
		if err := imp.store(pb.b); err != nil {
			runErr = fmt.Errorf("%s: %w", pb.path, err)
			cancel()
		}
	}
	if runErr != nil {
		return runErr
	}
	return readErr
}

func (imp *importer) store(pb *mailin.ParsedBatch) error {
	results, err := imp.ing.IngestParsed(imp.ctx, pb, imp.listID)
	if err != nil {
		return err
	}
	for k, r := range results {
		imp.tally.Add(r)
		if r.Kind != mailin.Rejected {
			continue
		}
		// A second run of the same archive keeps a bad mail only once.
		d := sha256.Sum256(pb.Raws[k])
		if imp.kept[d] {
			continue
		}
		if _, err := mailin.KeepFailed(imp.ctx, imp.s, pb.Raws[k], r.Reason); err != nil {
			return fmt.Errorf("keep bad mail: %w", err)
		}
		imp.kept[d] = true
	}
	if imp.progress != nil {
		fmt.Fprintf(imp.progress, "\r%d messages, %d patches, %d duplicates", imp.tally.Messages,
			imp.tally.Count(mailin.StoredPatch), imp.tally.Count(mailin.Duplicate))
	}
	return nil
}

// placeHeld places, now that the whole archive is stored, the replies it
// held whose direct parent it did not hold (answers to off-list mail) on
// the nearest stored mail they name, as upstream does on arrival; the
// summary then counts them as the comments they became.
func (imp *importer) placeHeld() error {
	held := imp.tally.Held()
	if len(held) == 0 {
		return nil
	}
	rep, err := imp.ing.PlaceHeld(imp.ctx, mailin.HeldSelect{Keys: held})
	imp.tally.AddPlaced(rep)
	if err != nil {
		return fmt.Errorf("place held replies: %w", err)
	}
	return nil
}

// failedDigests remembers the mails already kept as failed.
func failedDigests(ctx context.Context, s store.Store) (map[[32]byte]bool, error) {
	fms, err := s.ListFailedMails(ctx)
	if err != nil {
		return nil, fmt.Errorf("list failed mails: %w", err)
	}
	out := make(map[[32]byte]bool, len(fms))
	for _, fm := range fms {
		out[sha256.Sum256(fm.Raw)] = true
	}
	return out, nil
}

// progressWriter is stderr when it is a terminal, else nil (no progress in
// logs and pipes).
func progressWriter(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}
