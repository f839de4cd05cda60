package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// MediaTypeMVT is the media type of Mapbox vector tiles.
const MediaTypeMVT = "application/vnd.mapbox-vector-tile"

// Tile returns tile z/x/y of the tileset name: its stored bytes and
// whether they are gzipped, or an empty tile (Empty) when the tileset has
// none there. It knows nothing of HTTP. Errors: KindNotFound for an unknown
// tileset or a zoom outside the tileset's minzoom..maxzoom (no tile exists
// there, so a client that overzooms should stop at maxzoom, which TileJSON
// tells it); KindInternal when the file cannot be read.
//
// Tiles outside the tileset's bounds are empty without touching the file,
// and a tile's answer is cached in memory (when enabled), so deep or
// off-map requests from desktop GIS clients are cheap.
func (s *Server) Tile(ctx context.Context, name string, z, x, y int) (*Tile, error) {
	t, _, err := s.tileOf(ctx, name, z, x, y)
	return t, err
}

// tileOf is Tile that also returns the version that answered.
func (s *Server) tileOf(ctx context.Context, name string, z, x, y int) (*Tile, string, error) {
	for range 3 {
		ts, ok := s.reg.Get(name)
		if !ok {
			return nil, "", errorf(KindNotFound, "no tileset %q", name)
		}
		if !ts.inZoom(z) {
			return nil, "", errorf(KindNotFound, "tileset %q has zooms %d to %d, not %d", name, ts.Metadata.MinZoom, ts.Metadata.MaxZoom, z)
		}
		if !ts.inBounds(z, x, y) {
			return missingTile, ts.versionID, nil
		}
		key := tileKey{version: ts.version, z: uint8(z), x: uint32(x), y: uint32(y)}
		if t, ok := s.reg.cache.get(key); ok {
			return t, ts.versionID, nil
		}
		if !ts.acquire() {
			continue // replaced or removed meanwhile: look again
		}
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		data, found, err := ts.reader.Tile(rctx, z, x, y)
		cancel()
		ts.release()
		if err != nil {
			if rctx.Err() != nil {
				return nil, "", rctx.Err()
			}
			return nil, "", fmt.Errorf("server: tileset %s: %w", name, err)
		}
		t := missingTile
		if found {
			if t, err = makeTile(data); err != nil {
				return nil, "", fmt.Errorf("server: tileset %s tile %d/%d/%d: %w", name, z, x, y, err)
			}
		}
		s.reg.cache.put(key, t)
		return t, ts.versionID, nil
	}
	return nil, "", &Err{Kind: KindUnavailable, Detail: "the tileset is being replaced; retry", Cause: errors.New("server: tileset kept changing")}
}

// makeTile wraps stored bytes; a gzipped tile that decompresses to nothing
// is empty.
func makeTile(data []byte) (*Tile, error) {
	gz := mbtiles.IsGzip(data)
	if gz && len(data) < 64 {
		raw, err := mbtiles.Gunzip(data)
		if err != nil {
			return nil, err
		}
		if len(raw) == 0 {
			return missingTile, nil
		}
	}
	return newTile(data, gz), nil
}

// handleTile answers GET/HEAD /tiles/{tileset}/{z}/{x}/{y}.pbf (or .mvt):
// 200 with the tile, 204 for an empty tile inside the zoom range, 304 when
// If-None-Match matches, 400 for a malformed path, 404 for an unknown
// tileset or a zoom outside its range. The stored gzip bytes are sent as
// they are with Content-Encoding: gzip when the client accepts gzip, and
// decompressed otherwise.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) error {
	req, err := parseTilePath(strings.TrimPrefix(r.URL.Path, "/tiles/"))
	if err != nil {
		return err
	}
	t, version, err := s.tileOf(r.Context(), req.name, req.z, req.x, req.y)
	if err != nil {
		return err
	}
	h := w.Header()
	h[VersionHeader] = []string{version}
	h["Cache-Control"] = s.hdrTileCache
	if v := r.URL.Query().Get(VersionQuery); v != "" && v == version {
		// The URL names the version that answered: its tiles never change.
		// A URL naming another version (old, from a cached TileJSON) gets
		// the current tile with the ordinary max-age, never immutable.
		h["Cache-Control"] = s.hdrImmutable
	}
	h["Vary"] = s.hdrVaryTile
	if t.Empty() {
		s.metrics.tiles.WithLabelValues(req.name, "empty").Inc()
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	body, etag, length := t.Data, t.etag, t.length
	gzip := t.Gzipped && acceptsGzip(r.Header["Accept-Encoding"])
	if t.Gzipped && !gzip {
		raw, made, err := t.identity(s.maxTile)
		if errors.Is(err, errTileTooLarge) {
			s.log.Warn("server: tile too large to send decompressed", "tileset", req.name, "z", req.z, "x", req.x, "y", req.y, "max_tile_mb", s.cfg.MaxTileMB)
			return &Err{Kind: KindNotAcceptable, Detail: fmt.Sprintf("this tile decompresses to more than %d MiB (max_tile_mb); request it with Accept-Encoding: gzip", s.cfg.MaxTileMB)}
		}
		if err != nil {
			return fmt.Errorf("server: tileset %s tile %d/%d/%d: %w", req.name, req.z, req.x, req.y, err)
		}
		if made {
			if ts, ok := s.reg.Get(req.name); ok {
				s.reg.cache.grow(tileKey{version: ts.version, z: uint8(req.z), x: uint32(req.x), y: uint32(req.y)}, t)
			}
		}
		body, etag, length = raw.data, raw.etag, raw.length
	}
	h["Etag"] = etag
	if inm := r.Header["If-None-Match"]; inm != nil && etagMatch(inm, etag[0]) {
		s.metrics.tiles.WithLabelValues(req.name, "not_modified").Inc()
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h["Content-Type"] = s.hdrMVT
	if gzip {
		h["Content-Encoding"] = s.hdrGzip
	}
	h["Content-Length"] = length
	s.metrics.tiles.WithLabelValues(req.name, "ok").Inc()
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}
