package bot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// An alert queued or spooled before adapters set SourceName decodes and
// reads as its source ID; one that has a display name keeps it through
// JSON, and one without writes no new key.
func TestAlertSourceDisplay(t *testing.T) {
	var old Alert
	require.NoError(t, json.Unmarshal([]byte(`{"Source":"alertmanager","DedupKey":"g1","Status":"firing"}`), &old))
	require.Equal(t, "alertmanager", old.SourceDisplay())

	b, err := json.Marshal(Alert{Source: "alertmanager"})
	require.NoError(t, err)
	require.NotContains(t, string(b), "SourceName")

	b, err = json.Marshal(Alert{Source: "cloudwatch", SourceName: "CloudWatch"})
	require.NoError(t, err)
	var back Alert
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, "CloudWatch", back.SourceDisplay())
}
