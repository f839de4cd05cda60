package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newBuildCmd is replaced by the tiling work (issue 3).
func newBuildCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "build SRC... -o tiles/NAME.mbtiles",
		Short: "Build vector tiles into MBTiles (not yet implemented)",
		RunE:  func(*cobra.Command, []string) error { return errors.New("build: not implemented yet") },
	}
}
