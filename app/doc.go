// Package app wires Warroom together: one file per subsystem (Redis, the
// spool, metrics, the handlers, HTTP, each chat platform, the alert
// sources), one table of chat platforms (Platforms) and one of alert
// sources (AlertSources) from which the routes and the configuration's
// known names (Known) come, and the order in which everything stops.
//
// Serve, Console and Export are what the warroom command's subcommands
// run; the end-to-end tests in e2e/ call them in-process. Nothing imports
// app but the command; app holds no incident logic.
package app
