package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newServeCmd is replaced by the serving work (issue 4).
func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve tiles, styles and the web map (not yet implemented)",
		RunE:  func(*cobra.Command, []string) error { return errors.New("serve: not implemented yet") },
	}
}
