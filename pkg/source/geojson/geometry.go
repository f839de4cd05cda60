package geojson

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
)

// maxCollectionDepth bounds GeometryCollections nested in each other.
const maxCollectionDepth = 16

// rawGeometry is a GeoJSON geometry object as decoded by encoding/json;
// the coordinates are parsed by package code (see coords).
type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometries  []*rawGeometry  `json:"geometries"`
	CRS         *rawCRS         `json:"crs"`
}

// rawCRS is the legacy (2008) "crs" member: {"type":"name",
// "properties":{"name":"urn:ogc:def:crs:EPSG::9206"}}.
type rawCRS struct {
	Type       string `json:"type"`
	Properties struct {
		Name string `json:"name"`
		Href string `json:"href"`
	} `json:"properties"`
}

// geometryStats collects what the reader notices while converting.
type geometryStats struct {
	hasZ        bool
	closedRings int // rings that were not closed and were closed by the reader
	crs         string
}

// geometryOptions carry Options the conversion needs.
type geometryOptions struct {
	strictRings bool
}

// toOrb converts and validates a decoded geometry.
func (g *rawGeometry) toOrb(st *geometryStats, opts geometryOptions, depth int) (orb.Geometry, error) {
	if g.CRS != nil && st.crs == "" {
		st.crs = g.CRS.Properties.Name
	}
	if g.Type == "GeometryCollection" {
		if depth >= maxCollectionDepth {
			return nil, fmt.Errorf("GeometryCollections nested deeper than %d", maxCollectionDepth)
		}
		c := make(orb.Collection, 0, len(g.Geometries))
		for i, m := range g.Geometries {
			if m == nil {
				return nil, fmt.Errorf("GeometryCollection member %d is null", i+1)
			}
			o, err := m.toOrb(st, opts, depth+1)
			if err != nil {
				return nil, fmt.Errorf("GeometryCollection member %d: %w", i+1, err)
			}
			c = append(c, o)
		}
		return c, nil
	}
	switch g.Type {
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
	case "":
		return nil, fmt.Errorf("geometry has no type")
	default:
		return nil, fmt.Errorf("unknown geometry type %q (GeoJSON wants a FeatureCollection, a Feature or a geometry)", g.Type)
	}
	if len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return nil, fmt.Errorf("%s has no coordinates", g.Type)
	}
	c := &coords{b: g.Coordinates}
	var out orb.Geometry
	var err error
	switch g.Type {
	case "Point":
		var p orb.Point
		p, err = c.position()
		out = p
	case "MultiPoint":
		var pts []orb.Point
		pts, err = c.points()
		out = orb.MultiPoint(pts)
	case "LineString":
		var pts []orb.Point
		if pts, err = c.points(); err == nil {
			err = checkLine(pts)
		}
		out = orb.LineString(pts)
	case "MultiLineString":
		var ls [][]orb.Point
		ls, err = c.lines()
		ml := make(orb.MultiLineString, len(ls))
		for i, l := range ls {
			if err == nil {
				if err = checkLine(l); err != nil {
					err = fmt.Errorf("line %d: %w", i+1, err)
				}
			}
			ml[i] = l
		}
		out = ml
	case "Polygon":
		var rings [][]orb.Point
		if rings, err = c.lines(); err == nil {
			var p orb.Polygon
			p, err = polygon(rings, st, opts)
			out = p
		}
	case "MultiPolygon":
		var ps [][][]orb.Point
		if ps, err = c.polygons(); err == nil {
			mp := make(orb.MultiPolygon, len(ps))
			for i, rings := range ps {
				if mp[i], err = polygon(rings, st, opts); err != nil {
					err = fmt.Errorf("polygon %d: %w", i+1, err)
					break
				}
			}
			out = mp
		}
	}
	if err == nil {
		err = c.end()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.Type, err)
	}
	if c.hasZ {
		st.hasZ = true
	}
	return out, nil
}

func checkLine(pts []orb.Point) error {
	if len(pts) < 2 {
		return fmt.Errorf("a line needs at least 2 positions, has %d", len(pts))
	}
	return nil
}

// polygon validates rings: each needs 4 or more positions with the last
// equal to the first. An unclosed ring is closed (and counted, for a
// warning) unless opts.strictRings.
func polygon(rings [][]orb.Point, st *geometryStats, opts geometryOptions) (orb.Polygon, error) {
	p := make(orb.Polygon, len(rings))
	for i, r := range rings {
		if len(r) > 0 && r[0] != r[len(r)-1] {
			if opts.strictRings {
				return nil, fmt.Errorf("ring %d is not closed (its last position differs from its first)", i+1)
			}
			r = append(r, r[0])
			st.closedRings++
		}
		if len(r) < 4 {
			return nil, fmt.Errorf("ring %d has %d positions, a closed ring needs at least 4", i+1, len(r))
		}
		p[i] = orb.Ring(r)
	}
	return p, nil
}
