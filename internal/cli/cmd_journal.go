package cli

import (
	"context"
	"fmt"
	"github.com/o365doctor/o365doctor/internal/model"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
)

// UndoOptions are the inputs of `o365doctor undo`.
type UndoOptions struct {
	Factory *Factory
	EntryID string
	Abandon string
	Conn    connFlags
	Output  outputFlags
}

// NewCmdUndo is `o365doctor undo [JOURNAL-ID]`.
func NewCmdUndo(f *Factory, runF func(context.Context, *UndoOptions) error) *cobra.Command {
	opts := &UndoOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "undo [JOURNAL-ID]",
		Short: "Reverse the last applied fix, or the named journal entry",
		Long: `Reverses the last applied fix that is not undone yet, or the named journal entry,
with the same executor as fix: it re-reads each value and stops if it moved
since the fix. The undo is a new journal entry; history is never rewritten.
An incomplete entry (o365doctor stopped mid-plan) is reversed as far as the
live values show it got. An entry made against another Okta org or tenant is
refused. --abandon ID marks an entry whose values someone changed since, so
that a plain undo passes over it.

Exit codes: 0 undone (or abandoned), 1 nothing to undo or the undo failed,
2 usage error.`,
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 {
				return usageErr("undo takes at most one journal ID (got %d); `o365doctor journal` lists them", len(a))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				opts.EntryID = a[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUndo(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Abandon, "abandon", "", "mark this journal entry abandoned (its values moved since) instead of undoing")
	opts.Conn.register(cmd, f.env)
	opts.Output.register(cmd, "text", "json")
	return cmd
}

func runUndo(ctx context.Context, opts *UndoOptions) error {
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	f := opts.Factory
	_, ses, err := sessionFor(ctx, f, &opts.Conn)
	if err != nil {
		return err
	}
	if opts.Abandon != "" {
		if opts.EntryID != "" {
			return usageErr("undo takes a journal ID or --abandon ID, not both")
		}
		entry, err := ses.executor.Abandon(opts.Abandon, "marked by undo --abandon")
		if err != nil {
			return withCode(ExitFail, err)
		}
		if format == "json" {
			return writeJSON(f.IO.Out, entry)
		}
		fmt.Fprintf(f.IO.Out, "Abandoned journal entry %s (%s): a plain undo passes over it now.\n", entry.ID, model.Clean(entry.Plan.Title))
		return nil
	}
	entry, err := ses.executor.Undo(ctx, opts.EntryID)
	if err != nil {
		return withCode(ExitFail, err) // exit 130 when Ctrl-C stopped it (Run)
	}
	if format == "json" {
		return writeJSON(f.IO.Out, entry)
	}
	fmt.Fprintf(f.IO.Out, "Undone: %s (journal entry %s reverses %s)\n", strings.TrimPrefix(entry.Plan.Title, "Undo: "), entry.ID, entry.Undoes)
	for _, st := range entry.Plan.Steps {
		fmt.Fprintf(f.IO.Out, "  %s\n", config.Shown(st.Describe()))
	}
	return nil
}

// JournalOptions are the inputs of `o365doctor journal`.
type JournalOptions struct {
	Factory *Factory
	Conn    connFlags // --journal only
	Output  outputFlags
}

// NewCmdJournal is `o365doctor journal`.
func NewCmdJournal(f *Factory, runF func(*JournalOptions) error) *cobra.Command {
	opts := &JournalOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "List the fixes and undos o365doctor has made",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runJournal(opts)
		},
	}
	opts.Conn.registerJournal(cmd, f.env)
	opts.Output.register(cmd, "text", "json", "markdown")
	return cmd
}

func runJournal(opts *JournalOptions) error {
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	out := opts.Factory.IO.Out
	entries, err := fix.OpenJournal(opts.Conn.Journal).Entries()
	if err != nil {
		return withCode(ExitFail, fmt.Errorf("%w; the journal file is JSON lines: a damaged line can be removed by hand", err))
	}
	switch format {
	case "json":
		if entries == nil {
			entries = []fix.Entry{}
		}
		return writeJSON(out, entries)
	case "markdown":
		fmt.Fprintln(out, "| id | time | kind | state | subject | title |\n| --- | --- | --- | --- | --- | --- |")
		undoneBy := fix.UndoneBy(entries)
		for _, e := range entries {
			fmt.Fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", e.ID, e.Time.Format("2006-01-02 15:04:05Z"), e.Kind, fix.StateLabel(e, undoneBy),
				strings.ReplaceAll(model.Clean(e.Plan.Subject), "|", `\|`), strings.ReplaceAll(model.Clean(e.Plan.Title), "|", `\|`))
		}
		return nil
	}
	if len(entries) == 0 {
		fmt.Fprintf(out, "The journal %s is empty.\n", opts.Conn.Journal)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tKIND\tSTATE\tSUBJECT\tTITLE")
	undoneBy := fix.UndoneBy(entries)
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Format("2006-01-02 15:04:05Z"), e.Kind, fix.StateLabel(e, undoneBy), model.Clean(e.Plan.Subject), model.Clean(e.Plan.Title))
	}
	return tw.Flush()
}
