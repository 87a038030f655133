package slack

// MethodScopes exposes the manifest test's table to the end-to-end tests,
// which check that no Web API method called is missing from it.
var MethodScopes = methodScopes
