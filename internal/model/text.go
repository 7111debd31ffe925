package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text from an API safe to print: it drops terminal escape
// sequences (CSI, OSC, DCS and the like) and every other control character,
// and turns invalid UTF-8 into U+FFFD. An Okta admin controls app labels,
// display names and group names; none of that may steer a terminal. Tabs
// and newlines become spaces: one value is one line.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
			continue
		case r == 0x1b: // ESC: skip the whole sequence
			i += size + escapeLen(s[i+size:])
			continue
		case r == 0x9b || r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f: // C1 CSI, OSC, DCS, PM, APC
			i += size + stringOrCSILen(s[i+size:], r == 0x9b)
			continue
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiOverride(r):
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// CleanLines is Clean for text that may keep its line breaks (a
// multi-line message); every other control character still goes.
func CleanLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return strings.Join(lines, "\n")
}

func isClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || isBidiOverride(r) {
			return false
		}
	}
	return true
}

// isBidiOverride: the explicit direction controls can make a terminal show
// text in another order than it is (CVE-2021-42574, "Trojan Source").
func isBidiOverride(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeLen is the length of the escape sequence after an ESC byte.
func escapeLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '[': // CSI: parameters and intermediates up to a final byte 0x40–0x7e
		return 1 + stringOrCSILen(s[1:], true)
	case ']', 'P', '^', '_', 'X': // OSC, DCS, PM, APC, SOS: up to BEL or ST
		return 1 + stringOrCSILen(s[1:], false)
	}
	// A two-byte escape (ESC c, ESC 7, ESC (B ...): drop one more byte,
	// and the charset designator's argument when there is one.
	if strings.IndexByte("()*+-./", s[0]) >= 0 && len(s) > 1 {
		return 2
	}
	return 1
}

// stringOrCSILen is the length of a CSI body (csi) or of a control string
// ended by BEL, ST (ESC \) or the C1 ST.
func stringOrCSILen(s string, csi bool) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if csi {
			if c >= 0x40 && c <= 0x7e {
				return i + 1
			}
			if c < 0x20 || c > 0x3f && c < 0x40 {
				return i
			}
			continue
		}
		switch {
		case c == 0x07:
			return i + 1
		case c == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // C1 ST in UTF-8
			return i + 2
		}
	}
	return len(s)
}
