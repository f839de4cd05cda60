package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// TileJSON is a TileJSON 3.0.0 document of a vector tileset.
type TileJSON struct {
	TileJSON     string                `json:"tilejson"`
	Name         string                `json:"name,omitempty"`
	Description  string                `json:"description,omitempty"`
	Version      string                `json:"version,omitempty"`
	Attribution  string                `json:"attribution,omitempty"`
	Scheme       string                `json:"scheme"`
	Tiles        []string              `json:"tiles"`
	VectorLayers []mbtiles.VectorLayer `json:"vector_layers"`
	MinZoom      int                   `json:"minzoom"`
	MaxZoom      int                   `json:"maxzoom"`
	Bounds       []float64             `json:"bounds,omitempty"`
	Center       []float64             `json:"center,omitempty"`
	// PlantileVersion is the tileset version (Tileset.Version), also sent
	// as the Plantile-Version header of tiles and feature queries.
	PlantileVersion string `json:"plantile:version,omitempty"`
}

// TileURL returns the XYZ URL template of a tileset: what QGIS takes as a
// vector tile connection and TileJSON lists under "tiles".
func TileURL(base, name string) string {
	return base + "/tiles/" + name + "/{z}/{x}/{y}.pbf"
}

// VersionQuery is the query parameter of a versioned tile URL.
const VersionQuery = "v"

// VersionedTileURL is TileURL naming one version of the tileset (its
// Plantile-Version): a tile fetched by it while that version serves is
// sent with Cache-Control immutable, so a CDN may keep it for ever; a new
// version gets new URLs through TileJSON. The unversioned URL keeps
// working (with max-age) for clients that store the template, like QGIS.
func VersionedTileURL(base, name, version string) string {
	if version == "" {
		return TileURL(base, name)
	}
	return TileURL(base, name) + "?" + VersionQuery + "=" + url.QueryEscape(version)
}

// TileJSONURL returns the URL of a tileset's TileJSON document.
func TileJSONURL(base, name string) string {
	return base + "/tiles/" + name + ".json"
}

// pathDirs matches the directories of an absolute file path (POSIX or
// Windows) that starts a word: "/home/an/data/" in "from
// /home/an/data/parcels.shp". URLs do not match (their slashes follow ':'
// or a host name).
var pathDirs = regexp.MustCompile(`(^|[\s(\[{"'=,;])(?:[A-Za-z]:)?[/\\](?:[^\s/\\"'()\[\]{},;]+[/\\])+`)

// scrubPaths removes the directories of file paths from metadata text:
// files built by older versions, or by other tools, name the build
// machine's files (/home/USER/...), which the server must not publish.
// The base name stays: it is what the text means.
func scrubPaths(s string) string {
	if !strings.ContainsAny(s, `/\`) {
		return s
	}
	return pathDirs.ReplaceAllString(s, "$1")
}

// tileJSON describes t with absolute URLs against base. The server's own
// paths (the file, the snapshot) are never part of it.
func tileJSON(t *Tileset, base string) TileJSON {
	m := t.Metadata
	tj := TileJSON{
		TileJSON:     "3.0.0",
		Name:         scrubPaths(m.Name),
		Description:  scrubPaths(m.Description),
		Version:      scrubPaths(m.Version),
		Attribution:  scrubPaths(m.Attribution),
		Scheme:       "xyz",
		Tiles:        []string{VersionedTileURL(base, t.Name, t.versionID)},
		VectorLayers: make([]mbtiles.VectorLayer, len(m.VectorLayers)),
		MinZoom:      m.MinZoom,
		MaxZoom:      m.MaxZoom,
	}
	tj.PlantileVersion = t.versionID
	if tj.Name == "" {
		tj.Name = t.Name
	}
	for i, l := range m.VectorLayers {
		l.Description = scrubPaths(l.Description)
		if l.Fields == nil {
			l.Fields = map[string]string{} // required by TileJSON 3.0.0
		}
		tj.VectorLayers[i] = l
	}
	b := m.Bounds
	if b.Min != b.Max {
		tj.Bounds = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	switch {
	case m.Center != (mbtiles.Center{}):
		tj.Center = []float64{m.Center.Lon, m.Center.Lat, float64(m.Center.Zoom)}
	case tj.Bounds != nil:
		c := b.Center()
		tj.Center = []float64{c[0], c[1], float64(m.MinZoom)}
	}
	return tj
}

// handleTileJSON answers GET /tiles/{tileset}.json.
func (s *Server) handleTileJSON(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["tileset"]
	t, ok := s.reg.Get(name)
	if !ok {
		return errorf(KindNotFound, "no tileset %q", clip(name))
	}
	w.Header().Set(VersionHeader, t.versionID)
	return s.writeJSON(w, r, "application/json", tileJSON(t, s.BaseURL(r)))
}

// TilesetSummary is one entry of GET /tiles.
type TilesetSummary struct {
	Name        string    `json:"name"`
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	MinZoom     int       `json:"minzoom"`
	MaxZoom     int       `json:"maxzoom"`
	Bounds      []float64 `json:"bounds,omitempty"`
	Layers      []string  `json:"layers"`
	TileJSON    string    `json:"tilejson"`
	Tiles       string    `json:"tiles"` // the XYZ template, for QGIS
	Loaded      time.Time `json:"loaded"`
}

// handleTilesets answers GET /tiles: the tilesets being served.
func (s *Server) handleTilesets(w http.ResponseWriter, r *http.Request) error {
	base := s.BaseURL(r)
	list := s.reg.List()
	out := struct {
		Tilesets []TilesetSummary `json:"tilesets"`
	}{Tilesets: make([]TilesetSummary, 0, len(list))}
	for _, t := range list {
		tj := tileJSON(t, base)
		sum := TilesetSummary{
			Name:        t.Name,
			Title:       tj.Name,
			Description: tj.Description,
			MinZoom:     tj.MinZoom,
			MaxZoom:     tj.MaxZoom,
			Bounds:      tj.Bounds,
			Layers:      make([]string, 0, len(tj.VectorLayers)),
			TileJSON:    TileJSONURL(base, t.Name),
			Tiles:       TileURL(base, t.Name), // unversioned: QGIS keeps the template
			Loaded:      t.Loaded.UTC(),
		}
		for _, l := range tj.VectorLayers {
			sum.Layers = append(sum.Layers, l.ID)
		}
		out.Tilesets = append(out.Tilesets, sum)
	}
	return s.writeJSON(w, r, "application/json", out)
}
