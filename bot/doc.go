// Package bot is Warroom's vocabulary and dispatch core.
//
// It defines what an incident is (Incident, Status, Priority, Role,
// TimelineEntry), what the chat platforms exchange with the core (Event,
// Message, Form, the Platform interface), the one command grammar shared by
// every platform (Parse), the Router that hands events to handlers through a
// bounded worker pool, and the message catalogs in Japanese and English.
//
// Package bot talks to no network and imports nothing but the standard
// library and zap: adapters translate platforms into these types, handlers
// give them meaning, and the store persists them.
package bot
