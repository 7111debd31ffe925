// Package lab is o365doctor's simulated tenant: an Okta org, a Microsoft
// Entra ID tenant (Graph v1.0) and the Microsoft login endpoints, served over
// TLS on loopback with a CA generated at start. The real SDK clients talk to
// it over real sockets, so nothing in the checks knows it is a lab.
//
// A scenario (an embedded YAML file, or one a user writes) describes the org,
// the tenant and the defect the scenario is meant to trip. Fixes applied
// against the lab change its in-memory state, so a re-run shows the fix.
package lab
