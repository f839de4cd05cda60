package source

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

// Open returns the layers found at path: a .shp file, a .zip of shapefile
// sets, a GeoJSON file (see geojson.Extensions), or a directory holding any
// of them (one level, sorted by name). A path holding no layer is an error.
func Open(path string, opts Options) ([]Layer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	var layers []Layer
	if st.IsDir() {
		layers, err = openDir(path, opts)
	} else {
		layers, err = openFile(path, opts)
	}
	if err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("source: %s: no shapefile or GeoJSON layer found", path)
	}
	return layers, nil
}

// openFile reads one file by what it holds, not by its name (an upload
// is stored under its hash, and a PNG named .zip is still a PNG): a zip
// of shapefile sets, a .shp, or GeoJSON. Anything else is refused, saying
// what it is.
func openFile(path string, opts Options) ([]Layer, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".dbf", ".shx", ".prj", ".cpg":
		return nil, fmt.Errorf("source: %s: give the .shp of the set, not its %s", path, ext)
	}
	kind, what, err := Sniff(path)
	if err != nil {
		return nil, err
	}
	sopts := shapefile.Options{Encoding: opts.Encoding, Limits: opts.Limits, RequireDBF: opts.RequireDBF}
	switch kind {
	case Zip, Shapefile:
		var sets []*shapefile.Layer
		switch {
		case kind == Zip:
			sets, err = shapefile.OpenZip(path, sopts)
		case ext == ".shp":
			sets, err = shapefile.Open(path, sopts)
		default:
			return nil, &feature.Error{File: path, Reason: "this is the .shp of a shapefile set alone: send the set zipped (.shp, .shx, .dbf, .prj, .cpg)"}
		}
		if err != nil {
			return nil, err
		}
		layers := make([]Layer, len(sets))
		for i, s := range sets {
			layers[i] = s
		}
		return layers, nil
	case GeoJSON:
		l, err := geojson.Open(path, geojson.Options{Limits: opts.Limits})
		if err != nil {
			return nil, err
		}
		return []Layer{l}, nil
	}
	return nil, &feature.Error{File: path, Reason: fmt.Sprintf("this is %s, not a zipped shapefile or GeoJSON", what)}
}

func openDir(dir string, opts Options) ([]Layer, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if ext == ".shp" || ext == ".zip" || geojson.Supported(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var layers []Layer
	for _, n := range names {
		ls, err := openFile(filepath.Join(dir, n), opts)
		if err != nil {
			return nil, err
		}
		layers = append(layers, ls...)
	}
	return layers, nil
}
