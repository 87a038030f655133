package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// TestIncidentKeysShareSlot: every key the store writes for one incident
// hashes to one Redis Cluster slot, so WATCH and MULTI/EXEC over them work
// on a cluster. It looks at the keys actually written.
func TestIncidentKeysShareSlot(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P1)
	_, err := s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Channel = bot.Channel{ID: "C1"}
		return []bot.TimelineEntry{{Kind: bot.KindChannel}}, nil
	})
	require.NoError(t, err)
	_, err = s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Ref: "m1"},
		bot.TimelineEntry{Kind: bot.KindEdit, RefersTo: "m1"}) // in the refers-back index too
	require.NoError(t, err)
	_, err = s.MarkSeen(ctx, "ev-1", 60e9)
	require.NoError(t, err)

	all := allKeys(t, s)
	var incidentKeys []string
	for _, k := range all {
		rest := strings.TrimPrefix(k, s.Prefix())
		switch {
		case strings.HasPrefix(rest, "inc:"):
			incidentKeys = append(incidentKeys, k)
		case rest == "seq:incident", rest == "incidents:all", rest == "incidents:open",
			strings.HasPrefix(rest, "channel:"), strings.HasPrefix(rest, "seen:"),
			strings.HasPrefix(rest, "incidents:by:"), strings.HasPrefix(rest, "incidents:named:"),
			rest == "incidents:facets", rest == "incidents:facets:built":
			// single-key writes: any slot will do
		default:
			t.Errorf("key %q is not in the documented schema", k)
		}
	}
	require.Len(t, incidentKeys, 5, "record, timeline, refers-back, refs and notable indexes: %v", all)
	want := slot("{" + bot.FormatID(inc.ID)[4:] + "}")
	for _, k := range incidentKeys {
		require.Equal(t, want, slot(k), k)
	}
}

func TestSlot(t *testing.T) {
	for key, want := range map[string]uint16{
		"123456789":         12739, // the CRC16/XMODEM check value 0x31C3
		"foo":               12182, // from the Redis Cluster specification
		"{user1000}.follow": slot("user1000"),
		"a{}b":              slot("a{}b"),
		"x{1}{2}":           slot("1"),
	} {
		require.Equal(t, want, slot(key), key)
	}
}

// slot is the Redis Cluster hash slot of key: CRC16/XMODEM of the hash tag
// (between the first '{' and the next '}', when non-empty) or of the key,
// modulo 16384.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}
