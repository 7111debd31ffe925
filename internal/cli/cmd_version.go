package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/report"
)

// VersionOptions are the inputs of `o365doctor version`.
type VersionOptions struct {
	Factory *Factory
	Output  outputFlags
}

// NewCmdVersion is `o365doctor version`.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			format, err := opts.Output.format()
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(f.IO.Out, map[string]string{"name": "o365doctor", "version": Version, "reportSchemaVersion": report.SchemaVersion})
			}
			_, err = fmt.Fprintf(f.IO.Out, "o365doctor %s (report schema %s)\n", Version, report.SchemaVersion)
			return err
		},
	}
	opts.Output.register(cmd, "text", "json")
	return cmd
}
