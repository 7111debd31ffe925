package report

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSVHeader is the first row of WriteCSV.
var CSVHeader = []string{"check", "status", "severity", "user", "object id", "message", "suppressed"}

// WriteCSV writes the users the report's findings are about and are not
// passing, a row each, for the admin's spreadsheet: personal data masked
// as the report masks it (--redact). A cell that a spreadsheet would run
// as a formula (=, +, -, @, tab, carriage return first) is written with a
// leading apostrophe.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, res := range r.Results {
		for _, f := range res.Findings {
			if f.Object.Kind != "user" || f.Status == "pass" || f.Status == "skipped" {
				continue
			}
			sup := ""
			if f.Suppressed != nil {
				sup = "until " + f.Suppressed.Expires + ": " + f.Suppressed.Reason
			}
			row := []string{res.CheckID, f.Status, res.Severity, f.Object.Name, f.Object.ID, f.Message, sup}
			for i, c := range row {
				row[i] = cell(c)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
