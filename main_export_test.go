package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"
)

// brokenOut is a standard output closed after n bytes (`warroom export |
// head -c n`).
type brokenOut struct {
	n   int
	got bytes.Buffer
}

func (b *brokenOut) Write(p []byte) (int, error) {
	if b.got.Len()+len(p) > b.n {
		k := b.n - b.got.Len()
		b.got.Write(p[:k])
		return k, errors.New("write /dev/stdout: broken pipe")
	}
	return b.got.Write(p)
}

// TestExportWriteFails: `warroom export` streams the draft to its output,
// and an output that fails half-way makes it exit 1 and say why, not 0
// as if the draft were whole.
func TestExportWriteFails(t *testing.T) {
	mr := miniredis.RunT(t)
	env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_LANG": "en", "REDIS_URL": "redis://" + mr.Addr(), "WARROOM_SPOOL_PATH": "off"}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"console", "--user", "alice"},
		strings.NewReader("/incident declare Checkout is failing P2\n"), &out, &errOut, getenv), errOut.String())

	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"export", "INC-1"}, nil, &out, &errOut, getenv), errOut.String())
	whole := out.String()

	errOut.Reset()
	broken := &brokenOut{n: 100}
	require.Equal(t, 1, run(context.Background(), []string{"export", "INC-1"}, nil, broken, &errOut, getenv))
	require.Contains(t, errOut.String(), "broken pipe")
	require.Equal(t, whole[:100], broken.got.String(), "what was written is the draft's beginning")
}
