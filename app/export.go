package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
)

// Draft is what Export writes.
type Draft struct {
	// Ref names the incident: INC-42 or 42.
	Ref string
	// Format is md (Markdown) or json.
	Format string
	// Lang overrides the configured language ("" keeps it).
	Lang string
	Out  io.Writer
}

// Export writes an incident's postmortem draft from the configured Redis.
// It records nothing: the spool stays off.
func Export(ctx context.Context, cfg *config.Config, log *zap.Logger, d Draft) error {
	id, ok := bot.ParseID(d.Ref)
	if !ok {
		return fmt.Errorf("%q is not an incident ID such as INC-42", d.Ref)
	}
	if d.Format != "md" && d.Format != "json" {
		return fmt.Errorf("--format must be md or json, got %q", d.Format)
	}
	l := bot.Lang(cfg.Lang)
	if d.Lang != "" {
		var ok bool
		if l, ok = bot.ParseLang(d.Lang); !ok {
			return fmt.Errorf("--lang must be ja or en, got %q", d.Lang)
		}
	}
	ecfg := *cfg
	ecfg.Spool.Path = config.SpoolOff // a one-off read records nothing
	c, err := newCore(ctx, &ecfg, "", nil, false, log)
	if err != nil {
		return err
	}
	defer c.close()
	defer func() { _ = c.router.Close(context.Background()) }()
	if d.Format == "json" {
		data, err := c.svc.PostmortemData(ctx, id)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(d.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	// Streamed as it is rendered: a long timeline is never held in memory
	// as one document. An error half-way leaves d.Out holding the draft's
	// beginning, and Export returns it, so `warroom export` exits non-zero.
	return c.svc.WritePostmortem(ctx, d.Out, id, l)
}
