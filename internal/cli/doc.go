// Package cli owns o365doctor's commands: flags and their environment
// twins, exit codes, terminal detection, and the wiring of settings into
// sources, checks, fixes, reports and the TUI. It is the only package that
// reads flags or the environment.
package cli
