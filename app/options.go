package app

// Options are what the caller of Serve or Console chooses beyond the
// configuration.
type Options struct {
	// Version is the build's version, reported when serving.
	Version string
	// OnListen, when set, is told the address the HTTP server listens on
	// once it listens: a caller that configured port 0 learns the port.
	OnListen func(addr string)
	// OnMetricsListen, when set, is told the address of the metrics
	// listener (metrics_addr) once it listens.
	OnMetricsListen func(addr string)
	// AlertSources, when set, replaces the table of alert sources
	// (AlertSources()): a test adds a source of its own. The configuration
	// must then have been loaded with their names (KnownNames).
	AlertSources []AlertSource
}

// sources is the table of alert sources these options choose.
func (o Options) sources() []AlertSource {
	if o.AlertSources != nil {
		return o.AlertSources
	}
	return AlertSources()
}
