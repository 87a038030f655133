package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// entries builds a timeline from "ID:what" specs: "m:R" is a message with
// Ref R, "e:R", "d:R", "f:R" an edit, a deletion, a flag of R; the ID is
// "<ms>-0" with ms in seconds from zero, given before the colon.
func entries(specs ...string) []bot.TimelineEntry {
	kinds := map[string]bot.EntryKind{"m": bot.KindMessage, "e": bot.KindEdit, "d": bot.KindDelete, "f": bot.KindFlag, "s": bot.KindStatus}
	out := make([]bot.TimelineEntry, 0, len(specs))
	for _, spec := range specs {
		var sec int
		var what, ref string
		at, rest, _ := strings.Cut(spec, ":")
		fmt.Sscan(at, &sec)
		what, ref, _ = strings.Cut(rest, "=")
		e := bot.TimelineEntry{ID: fmt.Sprintf("%d-0", sec*1000), Kind: kinds[what], Text: spec}
		if e.Kind == bot.KindMessage {
			e.Ref = ref
		} else {
			e.RefersTo = ref
		}
		out = append(out, e)
	}
	return out
}

func texts(es []bot.TimelineEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

func TestInOrder(t *testing.T) {
	hold := int(bot.HoldBack / time.Second)
	for _, tc := range []struct {
		name    string
		in      []string
		open    bool
		want    []string
		waiting int
	}{
		{"in order already", []string{"1:m=a", "2:e=a", "3:d=a"}, false, []string{"1:m=a", "2:e=a", "3:d=a"}, 0},
		{"edit before its original", []string{"1:e=a", "2:s", "3:m=a", "4:s"}, false, []string{"2:s", "3:m=a", "1:e=a", "4:s"}, 0},
		{"edit, deletion and flag before it, in their order", []string{"1:e=a", "2:f=a", "3:d=a", "4:m=a", "5:e=a"},
			false, []string{"4:m=a", "1:e=a", "2:f=a", "3:d=a", "5:e=a"}, 0},
		{"original that never comes", []string{"1:d=x", "2:m=a"}, false, []string{"1:d=x", "2:m=a"}, 0},
		{"original that comes after the hold", []string{"1:e=a", fmt.Sprintf("%d:m=a", 2+hold)}, false,
			[]string{"1:e=a", fmt.Sprintf("%d:m=a", 2+hold)}, 0},
		{"original exactly at the hold", []string{"1:e=a", fmt.Sprintf("%d:m=a", 1+hold)}, false,
			[]string{fmt.Sprintf("%d:m=a", 1+hold), "1:e=a"}, 0},
		{"open stream: still waiting", []string{"1:e=x", "2:m=a"}, true, []string{"2:m=a"}, 1},
		{"open stream: hold run out", []string{"1:e=x", fmt.Sprintf("%d:m=a", 1+hold)}, true,
			[]string{"1:e=x", fmt.Sprintf("%d:m=a", 1+hold)}, 0},
		{"two messages, edits crossed", []string{"1:e=b", "2:e=a", "3:m=a", "4:m=b"}, false,
			[]string{"3:m=a", "2:e=a", "4:m=b", "1:e=b"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := entries(tc.in...)
			got, waiting := bot.InOrder(in, tc.open)
			require.Equal(t, tc.want, texts(got))
			require.Equal(t, tc.waiting, waiting)
			require.Equal(t, tc.in, texts(in), "the input is not changed")
		})
	}
}
