package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

func newExportCmd() *cobra.Command {
	var opts ingest.Options
	var out string
	var skipBad bool
	cmd := &cobra.Command{
		Use:   "export PATH... [-o FILE]",
		Short: "Write the features of every layer as GeoJSON text sequences in WGS 84",
		Long: `export reads every layer at each PATH, reprojects it to WGS 84 longitude/latitude
exactly as build does, and writes one GeoJSON Feature per line (GeoJSONSeq) to
standard output or to -o FILE. A bad record stops the export with its file,
record number and reason, unless --skip-invalid is given.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 1<<20)
			for _, path := range args {
				layers, err := ingest.Open(path, opts)
				if err != nil {
					return oneLine(err)
				}
				for _, l := range layers {
					if err := exportLayer(cmd, bw, l, skipBad); err != nil {
						return oneLine(err)
					}
				}
			}
			return bw.Flush()
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "-", "output file (- for standard output)")
	cmd.Flags().BoolVar(&skipBad, "skip-invalid", false, "skip bad records instead of stopping")
	cmd.Flags().StringVar(&opts.SrcCRS, "src-crs", "", "source CRS when the data has none or a wrong one (EPSG:9206, PROJ string, WKT)")
	cmd.Flags().StringVar(&opts.Encoding, "encoding", "", "attribute text encoding of shapefiles (UTF-8, windows-1258, tcvn3, vni, windows-1252...), overriding .cpg, LDID and detection")
	addLimitFlags(cmd.Flags(), &opts.Limits)
	return cmd
}

func exportLayer(cmd *cobra.Command, w *bufio.Writer, l *ingest.Layer, skipBad bool) error {
	r, err := l.Features(cmd.Context())
	if err != nil {
		return err
	}
	defer r.Close()
	enc := geojson.NewEncoder(l.Info().Schema)
	var buf []byte
	for {
		f, err := r.Read()
		if f == nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err != nil {
			if skipBad {
				fmt.Fprintln(cmd.ErrOrStderr(), "plantile: skipped:", err)
				continue
			}
			return err
		}
		buf = enc.AppendFeature(buf[:0], f)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
}
