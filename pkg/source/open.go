package source

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

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

func openFile(path string, opts Options) ([]Layer, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".shp" || ext == ".zip":
		sets, err := shapefile.Open(path, shapefile.Options{Encoding: opts.Encoding, Limits: opts.Limits})
		if err != nil {
			return nil, err
		}
		layers := make([]Layer, len(sets))
		for i, s := range sets {
			layers[i] = s
		}
		return layers, nil
	case geojson.Supported(path):
		l, err := geojson.Open(path, geojson.Options{Limits: opts.Limits})
		if err != nil {
			return nil, err
		}
		return []Layer{l}, nil
	case ext == ".dbf" || ext == ".shx" || ext == ".prj" || ext == ".cpg":
		return nil, fmt.Errorf("source: %s: give the .shp of the set, not its %s", path, ext)
	default:
		return nil, fmt.Errorf("source: %s: unsupported file type %q (want .shp, .zip, or GeoJSON: %s)",
			path, ext, strings.Join(geojson.Extensions(), ", "))
	}
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
