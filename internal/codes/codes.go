package codes

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// System is who returns a code.
type System string

const (
	Entra System = "entra" // Microsoft Entra ID's security token service: AADSTSnnnnn
	Okta  System = "okta"  // the Okta API: Ennnnnnn
)

// Code is one error code and what it means in an Okta-federated tenant.
type Code struct {
	Code   string // canonical: "AADSTS50133", "E0000047"
	System System
	// Name is Okta's title of the error ("Too many requests exception");
	// empty for AADSTS codes, whose official text starts with Microsoft's
	// name ("SsoArtifactRevoked - …").
	Name string
	// HTTPStatus is the status Okta answers with; 0 for AADSTS codes.
	HTTPStatus int
	// Official is the vendor's text as its reference gives it. Microsoft's
	// longer entries are cut after the sentences that say what the code is;
	// the rest is at the source.
	Official string
	Cause    string   // the usual cause in an Okta-federated tenant
	Next     string   // what to do
	Checks   []string // the o365doctor checks that confirm the cause; registered or planned
	Sources  []string // public sources: the official text's first, then the ones behind Cause
	Note     string   // what no public source shows, or where the code is not in the vendor's table
}

// Number is the code's number: 50133 for AADSTS50133, 47 for E0000047.
func (c Code) Number() int {
	digits := strings.TrimPrefix(strings.TrimPrefix(c.Code, "AADSTS"), "E")
	n, _ := strconv.Atoi(digits)
	return n
}

// Lookup is Microsoft's live page for an AADSTS code; empty for Okta's.
func (c Code) Lookup() string {
	if c.System != Entra {
		return ""
	}
	return "https://login.microsoftonline.com/error?code=" + strings.TrimPrefix(c.Code, "AADSTS")
}

// ErrMalformed says a string is not written like an error code.
var ErrMalformed = errors.New("not an error code: give AADSTS and its digits (AADSTS50133 or 50133) or Okta's E and 7 digits (E0000047)")

// UnknownError is a well-formed code that is not in the table.
type UnknownError struct {
	Code  string // canonical
	Table int    // how many codes the table holds
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("no %s in o365doctor's table of %d codes", e.Code, e.Table)
}

// Canonical writes s as the table does: "aadsts50133" and "50133" are
// "AADSTS50133", "e0000047" is "E0000047". Anything else is ErrMalformed.
func Canonical(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 6 && strings.EqualFold(s[:6], "AADSTS") {
		s = s[6:]
		if !aadstsDigits(s) {
			return "", ErrMalformed
		}
		return "AADSTS" + s, nil
	}
	if len(s) == 8 && (s[0] == 'E' || s[0] == 'e') && allDigits(s[1:]) {
		return "E" + s[1:], nil
	}
	if aadstsDigits(s) {
		return "AADSTS" + s, nil
	}
	return "", ErrMalformed
}

// aadstsDigits: Microsoft's codes are 5 to 7 digits with no leading zero.
func aadstsDigits(s string) bool {
	return len(s) >= 5 && len(s) <= 7 && s[0] != '0' && allDigits(s)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Lookup finds a code written in any form Canonical accepts. The error is
// ErrMalformed or an *UnknownError.
func Lookup(s string) (Code, error) {
	id, err := Canonical(s)
	if err != nil {
		return Code{}, err
	}
	all := All()
	for _, c := range all {
		if c.Code == id {
			return c, nil
		}
	}
	return Code{}, &UnknownError{Code: id, Table: len(all)}
}

// All is the table: AADSTS codes in numeric order, then Okta's. Each call
// builds a fresh copy, so callers may keep or change what they get.
func All() []Code {
	all := append(entraCodes(), oktaCodes()...)
	slices.SortStableFunc(all, func(a, b Code) int {
		if a.System != b.System {
			return strings.Compare(string(a.System), string(b.System))
		}
		return a.Number() - b.Number()
	})
	return all
}

// withNotes sets each code's Note from notes, by code.
func withNotes(all []Code, notes map[string]string) []Code {
	for i := range all {
		all[i].Note = notes[all[i].Code]
	}
	return all
}
