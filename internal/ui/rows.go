package ui

import (
	"slices"
	"sort"
	"strings"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/report"
)

// The list is rows: a header per area, its checks (failures first), and,
// under an expanded check, its findings. Rows are rebuilt when results,
// filters or expansions change; the view renders only the visible slice,
// so 100 000 findings cost a rebuild (a slice of small structs), never a
// render of them all.

type rowKind uint8

const (
	rowGroup rowKind = iota
	rowCheck
	rowFinding
)

type row struct {
	kind    rowKind
	area    checks.Area
	item    int // index in Model.items (check and finding rows)
	finding int // index in the item's findings (finding rows)
}

// rowKey identifies what a row shows, so the cursor stays on it when the
// rows are rebuilt.
type rowKey struct {
	kind    rowKind
	area    checks.Area
	item    int
	finding int
}

func (r row) key() rowKey { return rowKey(r) }

// statusFilter is what tab cycles through.
type statusFilter uint8

const (
	filterAll statusFilter = iota
	filterFailing
	filterWarnings
	filterSkipped
	filterCount
)

func (f statusFilter) String() string {
	return [...]string{"all", "failing", "warnings", "skipped"}[f]
}

func (f statusFilter) admits(it *item) bool {
	if it.pending {
		return f == filterAll
	}
	switch f {
	case filterFailing:
		return it.result.Status == checks.StatusFail || it.result.Status == checks.StatusError
	case filterWarnings:
		return it.result.Status == checks.StatusWarn
	case filterSkipped:
		return it.result.Status == checks.StatusSkipped
	}
	return true
}

// statusRank orders a group's checks: failures first, passes last, those
// still running at the end.
func statusRank(it *item) int {
	if it.pending {
		return 6
	}
	switch it.result.Status {
	case checks.StatusFail:
		return 0
	case checks.StatusError:
		return 1
	case checks.StatusWarn:
		return 2
	case checks.StatusSkipped:
		return 4
	case checks.StatusPass:
		return 5
	}
	return 3
}

// setResult stores a result with what the view and the filter read from
// it, computed once: the report form and the lower-case text of each
// finding.
func (it *item) setResult(r checks.Result) {
	it.result, it.pending = r, false
	it.rep = report.Convert(r)
	it.search = strings.ToLower(it.check.ID + " " + it.check.Title + " " + it.rep.Message)
	// One haystack of every finding's text, each after a NUL (which no
	// filter holds): one strings.Index pass over it finds the matches.
	var b strings.Builder
	it.fstart = make([]int, len(it.rep.Findings)+1)
	for i, f := range it.rep.Findings {
		b.WriteByte(0)
		it.fstart[i] = b.Len()
		b.WriteString(strings.ToLower(f.Object.Label() + " " + f.Object.ID + " " + f.Message))
		// The values the evidence shows: an immutableID finds its user.
		for _, e := range f.Evidence {
			switch {
			case e.Read != nil:
				b.WriteString(" " + strings.ToLower(showValue(e.Read.Value)))
			case e.Comparison != nil:
				for _, s := range e.Comparison.Sides {
					b.WriteString(" " + strings.ToLower(showValue(s.Value)))
				}
			}
		}
	}
	it.fstart[len(it.rep.Findings)] = b.Len() + 1
	it.fsearch = b.String()
}

// matchingFindings calls yield with each finding whose text holds needle,
// in order.
func (it *item) matchingFindings(needle string, yield func(int)) {
	hay := it.fsearch
	for pos := 0; pos < len(hay); {
		i := strings.Index(hay[pos:], needle)
		if i < 0 {
			return
		}
		at := pos + i
		// The finding whose text holds at: the last start at or before it.
		f := sort.SearchInts(it.fstart, at+1) - 1
		if f < 0 || f >= len(it.fstart)-1 {
			return
		}
		yield(f)
		pos = it.fstart[f+1] - 1 // the next finding's NUL
	}
}

// rebuildRows lays the list out again, keeping the cursor on the row it
// was on (or the nearest one still shown).
func (m *Model) rebuildRows() {
	var keep rowKey
	had := m.cursor >= 0 && m.cursor < len(m.rows)
	if had {
		keep = m.rows[m.cursor].key()
	}
	m.rows = m.rows[:0]
	needle := strings.ToLower(strings.TrimSpace(m.filter))
	byArea := map[checks.Area][]int{}
	for i := range m.items {
		byArea[m.items[i].check.Area] = append(byArea[m.items[i].check.Area], i)
	}
	for _, ai := range checks.Areas() {
		idx := byArea[ai.Area]
		if len(idx) == 0 {
			continue
		}
		slices.SortStableFunc(idx, func(a, b int) int { return statusRank(&m.items[a]) - statusRank(&m.items[b]) })
		start := len(m.rows)
		m.rows = append(m.rows, row{kind: rowGroup, area: ai.Area, item: -1})
		shown := 0
		for _, i := range idx {
			it := &m.items[i]
			if !m.status.admits(it) {
				continue
			}
			own := needle == "" || strings.Contains(it.search, needle)
			if m.collapsed[ai.Area] {
				// Counted for the group, not shown: does anything match?
				if own || strings.Contains(it.fsearch, needle) {
					shown++
				}
				continue
			}
			// The check's row first; its findings after it; the row is
			// taken back if neither it nor a finding matches.
			at := len(m.rows)
			m.rows = append(m.rows, row{kind: rowCheck, area: ai.Area, item: i})
			switch {
			case !own:
				// Only findings matched: they are shown, the rest not.
				it.matchingFindings(needle, func(f int) {
					m.rows = append(m.rows, row{kind: rowFinding, area: ai.Area, item: i, finding: f})
				})
				if len(m.rows) == at+1 {
					m.rows = m.rows[:at]
					continue
				}
			case it.expanded && !it.pending:
				for f := range it.rep.Findings {
					m.rows = append(m.rows, row{kind: rowFinding, area: ai.Area, item: i, finding: f})
				}
			}
			shown++
		}
		if shown == 0 && (needle != "" || m.status != filterAll) {
			m.rows = m.rows[:start] // an empty group is not shown under a filter
		}
	}
	m.cursor = 0
	if had {
		m.cursor = m.rowOf(keep)
	}
	m.clampCursor()
}

// rowOf is the row showing key, else the row of its check, else its group,
// else the first row.
func (m *Model) rowOf(k rowKey) int {
	best, bestScore := 0, -1
	for i, r := range m.rows {
		score := -1
		switch {
		case r.key() == k:
			return i
		case r.kind == rowCheck && k.kind != rowGroup && r.item == k.item:
			score = 2
		case r.kind == rowGroup && r.area == k.area:
			score = 1
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

func (m *Model) clampCursor() {
	if m.cursor >= len(m.rows) {
		m.cursor = len(m.rows) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
}

// selectItem puts the cursor on the item's check row (expanding its group).
func (m *Model) selectItem(i int) {
	if i < 0 || i >= len(m.items) {
		return
	}
	delete(m.collapsed, m.items[i].check.Area)
	m.rebuildRows()
	for r, row := range m.rows {
		if row.kind == rowCheck && row.item == i {
			m.cursor = r
			return
		}
	}
}

// selectedItem is the item the cursor's row belongs to, or -1 on a group.
func (m Model) selectedItem() int {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return -1
	}
	if r := m.rows[m.cursor]; r.kind != rowGroup {
		return r.item
	}
	return -1
}
