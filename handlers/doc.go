// Package handlers gives Warroom's events their meaning: one file per use
// case (declare, acknowledge, status, priority, roles, notes and updates,
// the lifecycle, timeline recording, queries, help). Handlers read and
// write the store and answer through the bot.Platform of the event; they
// know nothing of Slack, Teams or HTTP.
package handlers
