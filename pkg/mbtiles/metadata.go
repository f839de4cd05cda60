package mbtiles

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Metadata is the content of the MBTiles metadata table.
type Metadata struct {
	Name        string
	Format      string    // "pbf" for vector tiles; the Writer defaults to it
	Bounds      orb.Bound // WGS 84 lon/lat; written "w,s,e,n"; zero means unset
	Center      Center    // zero means unset
	MinZoom     int
	MaxZoom     int
	Attribution string
	Description string
	Type        string // "overlay" or "baselayer"; the Writer defaults to "overlay"
	Version     string

	// VectorLayers describes each layer in the tiles; written inside the
	// "json" row as {"vector_layers":[...]}, which MBTiles 1.3 requires for
	// format=pbf and which GDAL and QGIS read to list the layers.
	VectorLayers []VectorLayer
	// Tilestats is the optional "tilestats" object of the "json" row, kept
	// as raw JSON.
	Tilestats json.RawMessage

	// Extra holds any other metadata rows, such as "plantile:sample".
	Extra map[string]string
}

// Center is the default view of a tileset: a WGS 84 position and a zoom.
type Center struct {
	Lon, Lat float64
	Zoom     int
}

// VectorLayer describes one layer of the vector tiles.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"` // field name → "String", "Number" or "Boolean"
}

// standardKeys are the metadata names Metadata has fields for; Extra must not
// use them.
var standardKeys = map[string]bool{
	"name": true, "format": true, "bounds": true, "center": true,
	"minzoom": true, "maxzoom": true, "attribution": true,
	"description": true, "type": true, "version": true, "json": true,
}

type jsonRow struct {
	VectorLayers []VectorLayer   `json:"vector_layers"`
	Tilestats    json.RawMessage `json:"tilestats,omitempty"`
}

// rows turns m into metadata name/value pairs in a fixed order.
func (m Metadata) rows() ([][2]string, error) {
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, v}) }
	add("name", m.Name)
	add("format", m.Format)
	if m.Bounds != (orb.Bound{}) {
		add("bounds", joinFloats(m.Bounds.Min[0], m.Bounds.Min[1], m.Bounds.Max[0], m.Bounds.Max[1]))
	}
	if m.Center != (Center{}) {
		add("center", joinFloats(m.Center.Lon, m.Center.Lat)+","+strconv.Itoa(m.Center.Zoom))
	}
	add("minzoom", strconv.Itoa(m.MinZoom))
	add("maxzoom", strconv.Itoa(m.MaxZoom))
	if m.Attribution != "" {
		add("attribution", m.Attribution)
	}
	if m.Description != "" {
		add("description", m.Description)
	}
	if m.Type != "" {
		add("type", m.Type)
	}
	if m.Version != "" {
		add("version", m.Version)
	}
	if m.Format == FormatPBF || len(m.VectorLayers) > 0 {
		layers := m.VectorLayers
		if layers == nil {
			layers = []VectorLayer{}
		}
		for i := range layers {
			if layers[i].Fields == nil {
				layers[i].Fields = map[string]string{}
			}
		}
		b, err := json.Marshal(jsonRow{VectorLayers: layers, Tilestats: m.Tilestats})
		if err != nil {
			return nil, fmt.Errorf("mbtiles: metadata json: %w", err)
		}
		add("json", string(b))
	}
	for _, k := range slices.Sorted(maps.Keys(m.Extra)) {
		if standardKeys[k] {
			return nil, fmt.Errorf("mbtiles: metadata extra key %q is a standard key", k)
		}
		add(k, m.Extra[k])
	}
	return out, nil
}

// parseMetadata builds a Metadata from the name/value rows of a file.
func parseMetadata(rows map[string]string) (Metadata, error) {
	var m Metadata
	var err error
	for k, v := range rows {
		switch k {
		case "name":
			m.Name = v
		case "format":
			m.Format = v
		case "bounds":
			f, perr := splitFloats(v, 4)
			if perr != nil {
				return m, fmt.Errorf("mbtiles: metadata bounds %q: %w", v, perr)
			}
			m.Bounds = orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}
		case "center":
			f, perr := splitFloats(v, 3)
			if perr != nil {
				return m, fmt.Errorf("mbtiles: metadata center %q: %w", v, perr)
			}
			m.Center = Center{Lon: f[0], Lat: f[1], Zoom: int(f[2])}
		case "minzoom":
			if m.MinZoom, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return m, fmt.Errorf("mbtiles: metadata minzoom %q: %w", v, err)
			}
		case "maxzoom":
			if m.MaxZoom, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return m, fmt.Errorf("mbtiles: metadata maxzoom %q: %w", v, err)
			}
		case "attribution":
			m.Attribution = v
		case "description":
			m.Description = v
		case "type":
			m.Type = v
		case "version":
			m.Version = v
		case "json":
			var j jsonRow
			if err := json.Unmarshal([]byte(v), &j); err != nil {
				return m, fmt.Errorf("mbtiles: metadata json: %w", err)
			}
			m.VectorLayers = j.VectorLayers
			m.Tilestats = j.Tilestats
		default:
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = v
		}
	}
	return m, nil
}

func joinFloats(fs ...float64) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

func splitFloats(v string, n int) ([]float64, error) {
	parts := strings.Split(v, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("want %d numbers, got %d", n, len(parts))
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}
