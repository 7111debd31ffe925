package ui

import (
	"github.com/o365doctor/o365doctor/internal/report"
	"io"
	"os"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// styles are every colour and border the views use, in this one file;
// views compose them. Colours are adaptive (one for light terminals, one
// for dark) and never carry meaning alone: every status has its word and
// icon. NO_COLOR turns colour off.
type styles struct {
	header    lipgloss.Style
	subtle    lipgloss.Style
	dim       lipgloss.Style
	title     lipgloss.Style
	selected  lipgloss.Style
	group     lipgloss.Style
	pane      lipgloss.Style
	label     lipgloss.Style
	flashOK   lipgloss.Style
	flashErr  lipgloss.Style
	banner    lipgloss.Style
	dialog    lipgloss.Style
	differ    lipgloss.Style
	bar       lipgloss.Style
	barEmpty  lipgloss.Style
	status    map[checks.Status]lipgloss.Style
	noColor   bool
	renderer  *lipgloss.Renderer
	ascii     bool // no box-drawing: a terminal that cannot show them
	separator string
}

func adaptive(light, dark string) lipgloss.AdaptiveColor {
	return lipgloss.AdaptiveColor{Light: light, Dark: dark}
}

// newStyles builds the styles for the terminal out writes to; nil (tests)
// renders as a terminal without colour would, deterministically.
func newStyles(out io.Writer) styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	if out != nil {
		r = lipgloss.NewRenderer(out)
		if _, off := os.LookupEnv("NO_COLOR"); off {
			r.SetColorProfile(termenv.Ascii)
		}
	}
	s := styles{renderer: r, separator: "│"}
	n := r.NewStyle
	s.header = n().Bold(true)
	s.subtle = n().Foreground(adaptive("241", "247"))
	s.dim = n().Foreground(adaptive("246", "242"))
	s.title = n().Bold(true).Underline(true)
	s.selected = n().Reverse(true)
	s.group = n().Bold(true).Foreground(adaptive("25", "75"))
	s.pane = n().Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(adaptive("250", "238")).PaddingLeft(1)
	s.label = n().Bold(true)
	s.flashOK = n().Foreground(adaptive("28", "42"))
	s.flashErr = n().Foreground(adaptive("160", "203")).Bold(true)
	s.banner = n().Foreground(adaptive("160", "203")).Bold(true)
	s.dialog = n().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.differ = n().Bold(true).Foreground(adaptive("160", "203"))
	s.bar = n().Foreground(adaptive("25", "75"))
	s.barEmpty = n().Foreground(adaptive("250", "238"))
	s.status = map[checks.Status]lipgloss.Style{
		checks.StatusPass:    n().Foreground(adaptive("28", "42")),
		checks.StatusWarn:    n().Foreground(adaptive("130", "214")),
		checks.StatusFail:    n().Foreground(adaptive("160", "203")).Bold(true),
		checks.StatusError:   n().Foreground(adaptive("90", "177")),
		checks.StatusSkipped: n().Foreground(adaptive("244", "244")),
	}
	return s
}

// statusMark is the symbol and word for a status: never colour alone.
func statusMark(s checks.Status) string {
	return statusIcon(s) + " " + report.Label(string(s))
}

// statusIcon is the one-character form, for counts and finding rows.
func statusIcon(s checks.Status) string {
	switch s {
	case checks.StatusPass:
		return "✓"
	case checks.StatusWarn:
		return "!"
	case checks.StatusFail:
		return "✗"
	case checks.StatusError:
		return "?"
	case checks.StatusSkipped:
		return "-"
	}
	return "·"
}

// newHelp is the footer's key help in the styles' colours.
func newHelp(st styles) help.Model {
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = st.label, st.label
	h.Styles.ShortDesc, h.Styles.FullDesc = st.subtle, st.subtle
	h.Styles.ShortSeparator, h.Styles.FullSeparator, h.Styles.Ellipsis = st.dim, st.dim, st.dim
	return h
}
