package servertest

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// Spec describes a tileset to write.
type Spec struct {
	Name             string    // metadata name; default the file name
	MinZoom, MaxZoom int       // default 0..0
	Bounds           orb.Bound // default SonLa()
	Version          string    // written as the "version" property of every feature
	// Skip leaves out the first tile (lowest x, then y) of MaxZoom, so a
	// missing tile inside the bounds exists for 204 tests.
	Skip bool
}

// SonLa returns a small area of Son La city (lon/lat).
func SonLa() orb.Bound {
	return orb.Bound{Min: orb.Point{103.88, 21.30}, Max: orb.Point{103.94, 21.35}}
}

// Layers returns the vector layers every tile has: a land-use polygon and a
// road line, with the properties QGIS and the bundled style read.
func Layers() []string { return []string{"landuse", "roads"} }

// Written lists the tiles written and the one skipped.
type Written struct {
	Tiles   []maptile.Tile
	Skipped *maptile.Tile
}

// WriteTileset writes an MBTiles file at path (atomically, through
// mbtiles.Writer) with one tile per z/x/y covering the bounds at each zoom.
func WriteTileset(path string, s Spec) (Written, error) {
	var out Written
	if s.Bounds == (orb.Bound{}) {
		s.Bounds = SonLa()
	}
	w, err := mbtiles.Create(path)
	if err != nil {
		return out, err
	}
	for z := s.MinZoom; z <= s.MaxZoom; z++ {
		zz := maptile.Zoom(z)
		nw := maptile.At(orb.Point{s.Bounds.Min[0], s.Bounds.Max[1]}, zz)
		se := maptile.At(orb.Point{s.Bounds.Max[0], s.Bounds.Min[1]}, zz)
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				t := maptile.New(x, y, zz)
				if s.Skip && z == s.MaxZoom && out.Skipped == nil {
					out.Skipped = &t
					continue
				}
				b, err := EncodeTile(t, s.Version)
				if err != nil {
					w.Abort()
					return out, err
				}
				if err := w.PutTile(z, int(x), int(y), b); err != nil {
					w.Abort()
					return out, err
				}
				out.Tiles = append(out.Tiles, t)
			}
		}
	}
	c := s.Bounds.Center()
	m := mbtiles.Metadata{
		Name:        s.Name,
		Bounds:      s.Bounds,
		Center:      mbtiles.Center{Lon: c[0], Lat: c[1], Zoom: s.MinZoom},
		MinZoom:     s.MinZoom,
		MaxZoom:     s.MaxZoom,
		Attribution: "test data",
		Description: "servertest " + s.Version,
	}
	for _, l := range Layers() {
		m.VectorLayers = append(m.VectorLayers, mbtiles.VectorLayer{
			ID: l, MinZoom: s.MinZoom, MaxZoom: s.MaxZoom,
			Fields: map[string]string{"ma_dat": "String", "version": "String", "z": "Number"},
		})
	}
	w.SetMetadata(m)
	if err := w.Commit(); err != nil {
		return out, err
	}
	return out, nil
}

// EncodeTile returns the (uncompressed) MVT of tile t: a "landuse"
// polygon over the middle of the tile and a "roads" line across it, both
// with properties ma_dat, version and z.
func EncodeTile(t maptile.Tile, version string) ([]byte, error) {
	b := t.Bound()
	dx, dy := (b.Max[0]-b.Min[0])/4, (b.Max[1]-b.Min[1])/4
	poly := orb.Polygon{{
		{b.Min[0] + dx, b.Min[1] + dy}, {b.Max[0] - dx, b.Min[1] + dy},
		{b.Max[0] - dx, b.Max[1] - dy}, {b.Min[0] + dx, b.Max[1] - dy},
		{b.Min[0] + dx, b.Min[1] + dy},
	}}
	line := orb.LineString{{b.Min[0] + dx/2, b.Min[1] + dy/2}, {b.Max[0] - dx/2, b.Max[1] - dy/2}}
	props := func(code string) geojson.Properties {
		return geojson.Properties{"ma_dat": code, "version": version, "z": float64(t.Z)}
	}
	lu := geojson.NewFeatureCollection()
	f := geojson.NewFeature(poly)
	f.Properties = props("ODT")
	f.ID = uint64(1)
	lu.Append(f)
	rd := geojson.NewFeatureCollection()
	f = geojson.NewFeature(line)
	f.Properties = props("DGT")
	f.ID = uint64(2)
	rd.Append(f)
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"landuse": lu, "roads": rd})
	layers.ProjectToTile(t)
	data, err := mvt.Marshal(layers)
	if err != nil {
		return nil, fmt.Errorf("servertest: encode %v: %w", t, err)
	}
	return data, nil
}
