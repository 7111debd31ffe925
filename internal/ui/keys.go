package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the one list of keys; it also feeds the help view.
type keyMap struct {
	Up      key.Binding
	Down    key.Binding
	Fix     key.Binding
	Apply   key.Binding
	Cancel  key.Binding
	Undo    key.Binding
	Rerun   key.Binding
	Journal key.Binding
	Help    key.Binding
	Quit    key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Fix:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "preview fix")),
		Apply:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "apply fix")),
		Cancel:  key.NewBinding(key.WithKeys("esc", "n"), key.WithHelp("esc/n", "cancel")),
		Undo:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo last fix")),
		Rerun:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run checks")),
		Journal: key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "journal")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp and FullHelp implement help.KeyMap; disabled keys are left out
// by the help view.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Fix, k.Apply, k.Cancel, k.Undo, k.Journal, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Fix, k.Apply, k.Cancel, k.Undo}, {k.Rerun, k.Journal, k.Help, k.Quit}}
}
