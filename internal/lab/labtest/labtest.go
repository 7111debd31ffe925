// Package labtest starts the lab for tests of other packages.
package labtest

import (
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
)

// Start serves the named scenario for the test and stops it at cleanup.
func Start(t testing.TB, scenario string) *lab.Lab {
	t.Helper()
	sc, err := lab.LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}
