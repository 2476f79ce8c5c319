package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
)

// newIngester is the mail ingester with the configured limits.
func (a *App) newIngester(s store.Store) *mailin.Ingester {
	return newIngester(s, a.Logger, &a.Config)
}

func newIngester(s store.Store, logger *slog.Logger, cfg *Config) *mailin.Ingester {
	ing := mailin.NewIngester(s, logger)
	ing.SetMaxMailBytes(cfg.MaxMailBytes)
	return ing
}

// heldGrace is how long a held reply waits for its direct parent.
func (c *Config) heldGrace() time.Duration { return time.Duration(c.HeldGraceMinutes) * time.Minute }

// heldPlaceEvery is how often serve places the held replies whose grace
// period is over.
const heldPlaceEvery = time.Minute

// placeHeldPeriodically places, until ctx ends, the held replies whose
// grace period is over (parsemail delivers one mail at a time, so only
// time tells that a reply's delivery batch is complete). Each round uses a
// fresh Ingester: projects may change in another process.
func placeHeldPeriodically(ctx context.Context, s store.Store, logger *slog.Logger, cfg *Config) {
	logger = logger.With("component", "held")
	t := time.NewTicker(heldPlaceEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := newIngester(s, logger, cfg).PlaceHeld(ctx, mailin.HeldSelect{Before: time.Now().Add(-cfg.heldGrace())})
		if err != nil && ctx.Err() == nil {
			logger.Warn("placing held replies", "err", err)
		}
		if rep.Placed > 0 || rep.Failed > 0 {
			logger.Info("held replies placed", "placed", rep.Placed, "failed", rep.Failed, "still_held", rep.StillHeld)
		}
	}
}
