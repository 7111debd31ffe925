// Package config owns o365doctor's settings: the outside addresses, the
// credentials chosen for each system, the one masking function that keeps
// secrets out of output, logs and the journal, and the guarded HTTP
// transport every adapter talks through (no redirects, rate-limit waits
// bounded by the run, bodies bounded). Only internal/cli reads flags and
// the environment; every other package receives a Settings value.
// SDKEnvironment lists what the SDKs under the adapters would read from the
// environment on their own, for the CLI to unset.
package config
