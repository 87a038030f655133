// Package config loads Warroom's configuration and is the only package that
// reads the environment.
//
// Load reads one YAML file (the --config flag, else WARROOM_CONFIG), then
// overlays the environment variables listed in Env, then fills defaults for
// everything still unset, then validates every field. Precedence is
// therefore: environment > file > defaults. Any problem makes Load return
// no Config and a Problems error naming every invalid field at once, so an
// operator fixes a broken deployment in one round instead of one per field.
//
// Credentials are held in Secret, which never prints: not through fmt, JSON,
// YAML or text marshalling, and not in Problems. Config.Redacted is the safe
// way to show the effective configuration.
//
// example.yml in this folder documents every field and is loaded by the
// tests, so it cannot drift from what Load accepts.
package config
