// Package e2e holds Warroom's end-to-end tests: whole stories through the
// entry points the warroom command runs (app.Serve, app.Console,
// app.Export), in-process or as a process of their own, against fake
// Slack and Teams servers, a real Redis (REDIS_URL) or an embedded one,
// and the real Prometheus Alertmanager; and TestLayers, the import rules
// of the packages. It has no code of its own outside its tests.
package e2e
