// Package checks is o365doctor's registry of checks, the runner that runs
// them concurrently, and the facts layer they share. A check is a plain
// value (like go/analysis.Analyzer): its doc is part of it, it asks the facts
// for what it needs, and it returns a Result with evidence and fix plans.
// Checks never import an SDK and never change anything.
package checks
