package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect PATH...",
		Short: "Describe the layers of shapefiles, folders, zips and GeoJSON files",
		RunE:  func(*cobra.Command, []string) error { return errors.New("inspect: not implemented yet") },
	}
}
