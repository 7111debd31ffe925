package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	osc52 "github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/o365doctor/o365doctor/internal/report"
)

// report is what the view shows, as a report.
func (m Model) report() report.Report {
	return report.New(report.Meta{Version: m.opts.Version, Subject: m.opts.Subject, Tenant: m.opts.Tenant,
		OktaOrg: m.opts.OktaOrg, Now: m.now()}, m.Results())
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// export writes the report to a new file in the working directory (mode
// 0600: it names users) and says where.
func (m Model) export(format string) tea.Cmd {
	rep := m.report()
	ext := map[string]string{"json": "json", "markdown": "md"}[format]
	name := fmt.Sprintf("o365doctor-%s-%s-%s.%s", m.opts.Subject.Kind, unsafeName.ReplaceAllString(m.opts.Subject.Name(), "_"),
		m.now().UTC().Format("20060102-150405"), ext)
	path := filepath.Join(m.exportDir, name)
	base := path
	return func() tea.Msg {
		var b bytes.Buffer
		if err := report.Write(&b, rep, format); err != nil {
			return exportedMsg{err: err}
		}
		// Never over another file: a second export in the same second
		// gets -2, -3, …
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		for n := 2; errors.Is(err, fs.ErrExist) && n < 100; n++ {
			path = strings.TrimSuffix(base, "."+ext) + "-" + strconv.Itoa(n) + "." + ext
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		}
		if err != nil {
			return exportedMsg{err: err}
		}
		if _, err := f.Write(b.Bytes()); err != nil {
			f.Close()
			return exportedMsg{err: err}
		}
		if err := f.Close(); err != nil {
			return exportedMsg{err: err}
		}
		abs, _ := filepath.Abs(path)
		return exportedMsg{path: abs}
	}
}

// maxClipboard bounds what OSC 52 carries: terminals drop longer
// sequences (xterm's default is 100 000 bytes of base64).
const maxClipboard = 60 << 10

// copyTicket puts the markdown ticket summary on the clipboard with OSC 52,
// which reaches the local clipboard over SSH; inside tmux (or screen) the
// sequence is wrapped to pass through it.
func (m Model) copyTicket() tea.Cmd {
	rep := m.report()
	write := m.writeOut
	return func() tea.Msg {
		var b bytes.Buffer
		if err := report.Write(&b, rep, "markdown"); err != nil {
			return copiedMsg{err: err}
		}
		text := b.String()
		if len(text) > maxClipboard {
			cut := strings.LastIndex(text[:maxClipboard], "\n")
			text = text[:max(cut, 0)] + "\n\n(cut to fit the clipboard: e exports the whole report)\n"
		}
		if write == nil {
			return copiedMsg{err: fmt.Errorf("no terminal to send the clipboard sequence to")}
		}
		// tmux takes a plain OSC 52 with set-clipboard on (its
		// passthrough is off by default); screen needs its wrapping.
		seq := osc52.New(text)
		if os.Getenv("STY") != "" && os.Getenv("TMUX") == "" {
			seq = seq.Screen()
		}
		if err := write([]byte(seq.String())); err != nil {
			return copiedMsg{err: err}
		}
		return copiedMsg{n: len(text)}
	}
}
