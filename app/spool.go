package app

import (
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/store"
)

// maxSpoolSlots is how many default spool files (warroom-spool.jsonl,
// warroom-spool-2.jsonl, ...) are tried when other processes on the host
// hold the first ones.
const maxSpoolSlots = 16

// openSpool opens the configured spool file, or without one the first
// default file in the temporary directory no other process holds.
func openSpool(cfg *config.Config, log *zap.Logger) (*store.Spool, error) {
	if p := cfg.Spool.Path; p != "" {
		sp, err := store.OpenSpool(p, cfg.Spool.MaxBytes, log)
		if err != nil {
			return nil, fmt.Errorf("spool.path (WARROOM_SPOOL_PATH): %w", err)
		}
		return sp, nil
	}
	sp, err := store.OpenSpoolIn(os.TempDir(), maxSpoolSlots, cfg.Spool.MaxBytes, log)
	switch {
	case errors.Is(err, store.ErrSpoolLocked):
		return nil, fmt.Errorf("timeline spool: the %d default files in %s are all in use; set spool.path or WARROOM_SPOOL_PATH", maxSpoolSlots, os.TempDir())
	case err != nil:
		return nil, fmt.Errorf("timeline spool (set spool.path or WARROOM_SPOOL_PATH): %w", err)
	}
	log.Info("timeline spool", zap.String("path", sp.Path()))
	return sp, nil
}
