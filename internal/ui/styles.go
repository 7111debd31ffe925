package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// styles are every colour and border the views use; views compose them.
type styles struct {
	header   lipgloss.Style
	subtle   lipgloss.Style
	title    lipgloss.Style
	selected lipgloss.Style
	pane     lipgloss.Style
	label    lipgloss.Style
	flashOK  lipgloss.Style
	flashErr lipgloss.Style
	dialog   lipgloss.Style
	status   map[checks.Status]lipgloss.Style
}

func newStyles() styles {
	return styles{
		header:   lipgloss.NewStyle().Bold(true),
		subtle:   lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "243", Dark: "245"}),
		title:    lipgloss.NewStyle().Bold(true).Underline(true),
		selected: lipgloss.NewStyle().Reverse(true),
		pane:     lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, false, false, true).PaddingLeft(1),
		label:    lipgloss.NewStyle().Bold(true),
		flashOK:  lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		flashErr: lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		dialog:   lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		status: map[checks.Status]lipgloss.Style{
			checks.StatusPass:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
			checks.StatusWarn:    lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
			checks.StatusFail:    lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
			checks.StatusError:   lipgloss.NewStyle().Foreground(lipgloss.Color("5")),
			checks.StatusSkipped: lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		},
	}
}

// statusMark is the symbol and word for a status: never colour alone.
func statusMark(s checks.Status) string {
	switch s {
	case checks.StatusPass:
		return "✓ PASS"
	case checks.StatusWarn:
		return "! WARN"
	case checks.StatusFail:
		return "✗ FAIL"
	case checks.StatusError:
		return "? ERROR"
	case checks.StatusSkipped:
		return "- SKIP"
	}
	return string(s)
}
