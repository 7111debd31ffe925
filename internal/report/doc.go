// Package report renders a run's results: JSON (the versioned contract in
// docs/json-schema.md), markdown for tickets and plain text. Every string
// passes through config.Mask on the way out.
package report
