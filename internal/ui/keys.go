package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the one list of keys: it feeds the footer and the ? view, and
// syncKeys enables each only where it does something.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Move                                    key.Binding // ↑↓ in the footer, for both
	Expand                                  key.Binding
	DetailUp, DetailDown                    key.Binding // scroll the details beside the list
	Filter, StatusFilter                    key.Binding
	Fix, Apply, Cancel, Undo                key.Binding
	Journal                                 key.Binding
	Rerun, RerunAll                         key.Binding
	Export, Copy                            key.Binding
	Help, Quit                              key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:         key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "move")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Expand:       key.NewBinding(key.WithKeys("enter", " "), key.WithHelp("enter", "open/close")),
		DetailUp:     key.NewBinding(key.WithKeys("[", "shift+up"), key.WithHelp("[", "details up")),
		DetailDown:   key.NewBinding(key.WithKeys("]", "shift+down"), key.WithHelp("]", "details down")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		StatusFilter: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "all/failing/warnings/skipped")),
		Fix:          key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "preview fix")),
		Apply:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "apply fix")),
		Cancel:       key.NewBinding(key.WithKeys("esc", "n"), key.WithHelp("esc", "cancel")),
		Undo:         key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo last fix")),
		Journal:      key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "journal")),
		Rerun:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run check")),
		RerunAll:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-run all")),
		Export:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export")),
		Copy:         key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy ticket")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:         key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp and FullHelp implement help.KeyMap; disabled keys are left out
// by the help view.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Move, k.Expand, k.Fix, k.Apply, k.Cancel, k.Undo, k.Filter, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Expand, k.DetailUp, k.DetailDown, k.Filter, k.StatusFilter, k.Rerun, k.RerunAll},
		{k.Fix, k.Apply, k.Cancel, k.Undo, k.Journal},
		{k.Export, k.Copy, k.Help, k.Quit},
	}
}
