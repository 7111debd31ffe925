// Package fix owns every change o365doctor makes. A check proposes a Plan
// (data: steps with the value now and the value after); one Executor applies
// it: re-read the live value and refuse if it moved, journal the step before
// the call, write, read back and verify, journal the outcome. A plan that
// fails part-way rolls back the steps it made. Undo is a new journal entry
// that applies the reversed plan; history is never rewritten.
package fix
