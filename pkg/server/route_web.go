package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// handleWeb serves the web map's static files: "/" is index.html. Files
// are revalidated on every use (Cache-Control: no-cache) because the
// bundled ones change with each release and carry no version in their
// names.
func (s *Server) handleWeb(w http.ResponseWriter, r *http.Request) error {
	if s.web == nil {
		return errorf(KindNotFound, "no web map is bundled")
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) {
		return errorf(KindNotFound, "no such file")
	}
	fi, err := fs.Stat(s.web, name)
	if err == nil && fi.IsDir() {
		name = path.Join(name, "index.html")
		fi, err = fs.Stat(s.web, name)
	}
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return errorf(KindNotFound, "no such file")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, s.web, name)
	return nil
}

// ViewerConfig is GET /config.json: what the web map needs to know about
// this server beyond its style (web/static/app.js reads "basemap").
type ViewerConfig struct {
	Basemap  string           `json:"basemap,omitempty"` // raster XYZ template
	Styles   []StyleSummary   `json:"styles"`
	Tilesets []TilesetSummary `json:"tilesets"`
}

// handleViewer answers GET /config.json.
func (s *Server) handleViewer(w http.ResponseWriter, r *http.Request) error {
	base := s.BaseURL(r)
	styles, err := s.styleList(base)
	if err != nil {
		return err
	}
	vc := ViewerConfig{Basemap: s.cfg.BasemapURL, Styles: styles, Tilesets: []TilesetSummary{}}
	for _, t := range s.reg.List() {
		vc.Tilesets = append(vc.Tilesets, TilesetSummary{
			Name: t.Name, Title: t.Metadata.Name, MinZoom: t.Metadata.MinZoom, MaxZoom: t.Metadata.MaxZoom,
			Layers:   layerIDs(t),
			TileJSON: TileJSONURL(base, t.Name), Tiles: TileURL(base, t.Name), Loaded: t.Loaded.UTC(),
		})
	}
	return s.writeJSON(w, r, "application/json", vc)
}

func layerIDs(t *Tileset) []string {
	out := make([]string, 0, len(t.Metadata.VectorLayers))
	for _, l := range t.Metadata.VectorLayers {
		out = append(out, l.ID)
	}
	return out
}
