package app

import "github.com/warroomhq/warroom/config"

// Known is what the configuration may name: the alert sources and chat
// platforms of app's tables.
func Known() config.Known { return KnownNames(AlertSources(), Platforms()) }

// KnownNames lists the names of the given rows for config.Load.
func KnownNames(sources []AlertSource, platforms []Platform) config.Known {
	var k config.Known
	for _, s := range sources {
		k.AlertSources = append(k.AlertSources, s.Name)
	}
	for _, p := range platforms {
		k.Platforms = append(k.Platforms, p.Name)
	}
	return k
}

// LoadConfig loads and validates the configuration (config.Load) against
// the names of app's tables: what `warroom config check` and every other
// subcommand read.
func LoadConfig(path string, getenv func(string) string) (*config.Config, error) {
	return config.Load(path, getenv, Known())
}
