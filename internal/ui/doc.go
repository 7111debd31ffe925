// Package ui is o365doctor's Bubble Tea program: results arrive as checks
// finish (a spinner while pending), a list beside a details pane with the
// evidence, and the fix flow (f previews the plan, y applies it through the
// same executor the CLI uses, the check re-runs). The root model has an
// explicit state and the key bindings follow it, so the help never offers a
// key that does nothing.
package ui
