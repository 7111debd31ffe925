// Package lab is o365doctor's simulated tenant: an Okta org, a Microsoft
// Entra ID tenant (Graph v1.0) and the Microsoft login endpoints, served over
// TLS on loopback with a CA generated at start. The real SDK clients talk to
// it over real sockets, so nothing in the checks knows it is a lab.
//
// A scenario (an embedded YAML file, or one a user writes) describes the org,
// the tenant and the defect the scenario is meant to trip. Fixes applied
// against the lab change its in-memory state, so a re-run shows the fix.
//
// Each API's handlers live by resource (okta_users.go, okta_apps.go,
// graph_users.go, graph_domains.go, ...), beside its routing, auth and
// error shapes (okta.go, graph.go) and paging (okta_paging.go,
// graph_paging.go). The Okta and Graph handlers run with the state lock
// already held (lockedRoutes) and write into a buffer sent after it is
// released: a handler never locks the state itself, and a slow client
// never holds it. Every request is counted, logged with its times
// (RequestLog) and may meet latency and seeded faults (faults.go) first.
package lab
