package web

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestAcceptLanguage(t *testing.T) {
	for header, want := range map[string]bot.Lang{
		"ja":                         bot.Japanese,
		"ja-JP,ja;q=0.9,en;q=0.8":    bot.Japanese,
		"en-US,en;q=0.9,ja;q=0.8":    bot.English,
		"fr-FR,fr;q=0.9,ja;q=0.5":    bot.Japanese,
		"en;q=0.2, ja;q=0.7":         bot.Japanese,
		"de, en-GB;q=0.1":            bot.English,
		"ja;q=0, en;q=0.1":           bot.English,
		"*":                          "",
		"":                           "",
		"fr, de":                     "",
		"ja;q=oops, en":              bot.English,
		"ja-Latn-JP-x-private;q=0.5": bot.Japanese,
	} {
		got, ok := acceptLanguage(header)
		require.Equal(t, want, got, header)
		require.Equal(t, want != "", ok, header)
	}
}
