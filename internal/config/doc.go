// Package config owns o365doctor's settings: the outside addresses, the
// credentials chosen for each system, and the one masking function that keeps
// secrets out of output, logs and the journal. Only internal/cli reads flags
// and the environment; every other package receives a Settings value.
package config
