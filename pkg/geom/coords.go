package geom

import "github.com/paulmach/orb"

// AppendCoords appends g's coordinates to buf, x then y of each point, in
// the order GeoJSON writes them.
func AppendCoords(buf []float64, g orb.Geometry) []float64 {
	switch g := g.(type) {
	case orb.Point:
		return append(buf, g[0], g[1])
	case orb.MultiPoint:
		return appendPoints(buf, g)
	case orb.LineString:
		return appendPoints(buf, g)
	case orb.Ring:
		return appendPoints(buf, g)
	case orb.MultiLineString:
		for _, l := range g {
			buf = appendPoints(buf, l)
		}
	case orb.Polygon:
		for _, r := range g {
			buf = appendPoints(buf, r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				buf = appendPoints(buf, r)
			}
		}
	case orb.Collection:
		for _, c := range g {
			buf = AppendCoords(buf, c)
		}
	}
	return buf
}

func appendPoints(buf []float64, pts []orb.Point) []float64 {
	for _, p := range pts {
		buf = append(buf, p[0], p[1])
	}
	return buf
}
