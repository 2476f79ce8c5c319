package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/patchwork-go/patchwork/store"
)

// openStore is replaced by store_open.go once store/sqlstore lands.
func openStore(context.Context, string, bool, *slog.Logger) (store.Store, func() error, error) {
	return nil, nil, errors.New("store/sqlstore is not built yet")
}
