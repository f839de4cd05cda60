// Command plantile-demo generates plantile's synthetic planning data:
//
//	plantile-demo sonla [-dir testdata/sonla]
//	    the sample zoning plan of Son La city: GeoJSON written by the
//	    generator, then shapefiles converted from it by GDAL's ogr2ogr
//	plantile-demo bench -count 100000 -out .work/bench/parcels-100k.geojsonseq
//	    a large parcel dataset for the reader benchmarks (GeoJSONSeq, TM-3)
//
// The output is deterministic: the same flags give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/sonla-gis/plantile/pkg/demodata"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "plantile-demo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: plantile-demo sonla|bench [flags]")
	}
	switch args[0] {
	case "sonla":
		return runSonLa(args[1:])
	case "bench":
		return runBench(args[1:])
	default:
		return fmt.Errorf("unknown command %q: want sonla or bench", args[0])
	}
}

func runSonLa(args []string) error {
	fs := flag.NewFlagSet("sonla", flag.ContinueOnError)
	dir := fs.String("dir", "testdata/sonla", "output directory; reads boundaries/boundaries.geojson there")
	shp := fs.Bool("shp", true, "also convert to shapefiles with ogr2ogr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gj := filepath.Join(*dir, "geojson")
	if err := demodata.SonLa(filepath.Join(*dir, "boundaries", "boundaries.geojson"), gj); err != nil {
		return err
	}
	if !*shp {
		return nil
	}
	out := filepath.Join(*dir, "shp")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, layer := range demodata.SonLaLayers {
		for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
			os.Remove(filepath.Join(out, layer+ext))
		}
		if err := ogr2ogr(filepath.Join(out, layer+".shp"), filepath.Join(gj, layer+".geojson"), "ESRI Shapefile"); err != nil {
			return err
		}
	}
	return nil
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	count := fs.Int("count", 100000, "number of parcels")
	out := fs.String("out", "", "GeoJSONSeq output file (required)")
	seed := fs.Uint64("seed", 1, "seed")
	shp := fs.String("shp", "", "also convert to this shapefile with ogr2ogr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("bench: -out is required")
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := demodata.Parcels(f, *count, *seed); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if *shp != "" {
		return ogr2ogr(*shp, *out, "ESRI Shapefile")
	}
	return nil
}

// ogr2ogr converts src to dst with GDAL, an independent writer: the
// shapefiles are what a district's GIS software would hand over.
func ogr2ogr(dst, src, format string) error {
	cmd := exec.Command("ogr2ogr", "-f", format, "-a_srs", "EPSG:9206",
		"-lco", "ENCODING=UTF-8", "-lco", "RESIZE=YES", dst, src)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ogr2ogr %s: %w", dst, err)
	}
	return nil
}
