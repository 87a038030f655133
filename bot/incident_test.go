package bot

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePriority(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Priority
		ok   bool
	}{
		{"P1", P1, true}, {"p2", P2, true}, {"sev3", P3, true}, {"SEV-4", P4, true}, {"Sev1", P1, true},
		{"critical", P1, true}, {"high", P2, true}, {"Medium", P3, true}, {"low", P4, true}, {"2", P2, true},
		{"P9", 0, false}, {"P0", 0, false}, {"", 0, false}, {"sev", 0, false}, {"p12", 0, false}, {"urgent", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParsePriority(tc.in)
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, tc.want, got)
			}
		})
	}
	require.Equal(t, "P1", P1.String())
	require.Equal(t, "", Priority(0).String())
}

func TestTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to Status
		ok       bool
	}{
		{StatusTriage, StatusInvestigating, true},
		{StatusTriage, StatusDeclined, true},
		{StatusInvestigating, StatusDeclined, false},
		{StatusInvestigating, StatusResolved, true},
		{StatusMonitoring, StatusIdentified, true},
		{StatusResolved, StatusClosed, true},
		{StatusResolved, StatusInvestigating, true},
		{StatusClosed, StatusMonitoring, false},
		{StatusClosed, StatusInvestigating, true},
		{StatusInvestigating, StatusClosed, false},
		{StatusDeclined, StatusInvestigating, true},
		{StatusResolved, StatusResolved, false},
	} {
		t.Run(string(tc.from)+"→"+string(tc.to), func(t *testing.T) {
			err := tc.from.CanMove(tc.to)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			code := CodeOf(err)
			require.Contains(t, []string{CodeBadTransition, CodeSameStatus}, code)
		})
	}
	err := StatusClosed.CanMove(StatusMonitoring)
	require.Equal(t, "An incident that is closed cannot become monitoring. From closed it can go to: investigating.",
		T(English, "err."+CodeOf(err), err.(*Error).Args...))
}

func TestParseIDAndRoles(t *testing.T) {
	for in, want := range map[string]int64{"INC-42": 42, "inc-7": 7, "#3": 3, "12": 12} {
		got, ok := ParseID(in)
		require.True(t, ok, in)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{"", "INC-", "INC--1", "INC-0", "abc", "INC-1x", "+4"} {
		_, ok := ParseID(bad)
		require.False(t, ok, bad)
	}
	r, ok := ParseRole("IC", BuiltinRoles)
	require.True(t, ok)
	require.Equal(t, RoleCommander, r)
	_, ok = ParseRole("chef", BuiltinRoles)
	require.False(t, ok)
	r, ok = ParseRole("sre", append(BuiltinRoles, Role("sre")))
	require.True(t, ok)
	require.Equal(t, Role("sre"), r)
}
