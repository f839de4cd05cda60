package shapefile

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Shape types of the ESRI Shapefile Technical Description, table 1.
const (
	typeNull        = 0
	typePoint       = 1
	typePolyLine    = 3
	typePolygon     = 5
	typeMultiPoint  = 8
	typePointZ      = 11
	typePolyLineZ   = 13
	typePolygonZ    = 15
	typeMultiPointZ = 18
	typePointM      = 21
	typePolyLineM   = 23
	typePolygonM    = 25
	typeMultiPointM = 28
	typeMultiPatch  = 31
)

const (
	headerLen       = 100 // main file and index file header
	recordHeaderLen = 8
	fileCode        = 9994
	fileVersion     = 1000
)

// header is the part of the 100-byte main file header the reader uses.
type header struct {
	fileBytes int64 // file length declared by the header, in bytes
	shapeType int32
}

func parseHeader(b []byte) (header, error) {
	if len(b) < headerLen {
		return header{}, fmt.Errorf("header is %d bytes, want %d", len(b), headerLen)
	}
	if code := int32(binary.BigEndian.Uint32(b[0:])); code != fileCode {
		return header{}, fmt.Errorf("not a shapefile: file code %d, want %d", code, fileCode)
	}
	if v := int32(binary.LittleEndian.Uint32(b[28:])); v != fileVersion {
		return header{}, fmt.Errorf("unsupported shapefile version %d, want %d", v, fileVersion)
	}
	h := header{
		fileBytes: 2 * int64(binary.BigEndian.Uint32(b[24:])),
		shapeType: int32(binary.LittleEndian.Uint32(b[32:])),
	}
	if h.shapeType == typeMultiPatch {
		return h, fmt.Errorf("MultiPatch shapes (3D surfaces) are not supported; export the layer as polygons")
	}
	if _, ok := geometryTypes[h.shapeType]; !ok {
		return h, fmt.Errorf("unknown shape type %d", h.shapeType)
	}
	return h, nil
}

// geometryTypes maps a header shape type to LayerInfo.GeometryType: the most
// general type a feature of the layer may have. A PolyLine layer is
// "MultiLineString" and a Polygon layer "MultiPolygon", though single-part
// records are read as LineString and Polygon.
var geometryTypes = map[int32]string{
	typeNull:        "None",
	typePoint:       "Point",
	typePointZ:      "Point",
	typePointM:      "Point",
	typeMultiPoint:  "MultiPoint",
	typeMultiPointZ: "MultiPoint",
	typeMultiPointM: "MultiPoint",
	typePolyLine:    "MultiLineString",
	typePolyLineZ:   "MultiLineString",
	typePolyLineM:   "MultiLineString",
	typePolygon:     "MultiPolygon",
	typePolygonZ:    "MultiPolygon",
	typePolygonM:    "MultiPolygon",
}

func hasZ(t int32) bool {
	return t == typePointZ || t == typePolyLineZ || t == typePolygonZ || t == typeMultiPointZ
}

// finite reports whether v is neither NaN nor ±Inf: v-v is 0 only then.
func finite(v float64) bool { return v-v == 0 }

func getFloat(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }

// decodeShape decodes the content of one record (shape type onwards). It
// returns nil geometry for a null shape. Every count is checked against
// len(b) before anything is allocated, so a record cannot make the reader
// allocate more than a small multiple of its own length.
func decodeShape(b []byte, a *arena) (orb.Geometry, string) {
	if len(b) < 4 {
		return nil, fmt.Sprintf("record content is %d bytes, too short for a shape type", len(b))
	}
	t := int32(binary.LittleEndian.Uint32(b))
	switch t {
	case typeNull:
		return nil, ""
	case typePoint, typePointZ, typePointM:
		if len(b) < 20 {
			return nil, fmt.Sprintf("point record is %d bytes, want at least 20", len(b))
		}
		x, y := getFloat(b[4:]), getFloat(b[12:])
		if !finite(x) || !finite(y) {
			return nil, "point has a NaN or infinite coordinate"
		}
		return orb.Point{x, y}, ""
	case typeMultiPoint, typeMultiPointZ, typeMultiPointM:
		if len(b) < 40 {
			return nil, fmt.Sprintf("multipoint record is %d bytes, want at least 40", len(b))
		}
		n := int64(int32(binary.LittleEndian.Uint32(b[36:])))
		if n <= 0 {
			return nil, fmt.Sprintf("multipoint has %d points", n)
		}
		if 40+16*n > int64(len(b)) {
			return nil, fmt.Sprintf("multipoint claims %d points but the record holds only %d bytes", n, len(b))
		}
		mp := orb.MultiPoint(a.pointSlice(int(n)))
		if !readPoints(b[40:], mp) {
			return nil, "multipoint has a NaN or infinite coordinate"
		}
		return mp, ""
	case typePolyLine, typePolyLineZ, typePolyLineM, typePolygon, typePolygonZ, typePolygonM:
		return decodeParts(t, b, a)
	case typeMultiPatch:
		return nil, "MultiPatch shapes (3D surfaces) are not supported"
	}
	return nil, fmt.Sprintf("unknown shape type %d", t)
}

// readPoints fills pts from consecutive little-endian X,Y pairs and
// reports whether every coordinate is finite.
func readPoints(b []byte, pts []orb.Point) bool {
	ok := true
	b = b[:16*len(pts)]
	for i := range pts {
		x := getFloat(b[16*i:])
		y := getFloat(b[16*i+8:])
		ok = ok && finite(x) && finite(y)
		pts[i] = orb.Point{x, y}
	}
	return ok
}

func decodeParts(t int32, b []byte, a *arena) (orb.Geometry, string) {
	if len(b) < 44 {
		return nil, fmt.Sprintf("record is %d bytes, want at least 44", len(b))
	}
	np := int64(int32(binary.LittleEndian.Uint32(b[36:])))
	npts := int64(int32(binary.LittleEndian.Uint32(b[40:])))
	if np <= 0 || npts <= 0 {
		return nil, fmt.Sprintf("record has %d parts and %d points", np, npts)
	}
	if need := 44 + 4*np + 16*npts; need > int64(len(b)) {
		return nil, fmt.Sprintf("record claims %d parts and %d points (%d bytes) but holds only %d bytes", np, npts, need, len(b))
	}
	starts := b[44 : 44+4*np]
	pts := a.pointSlice(int(npts))
	if !readPoints(b[44+4*np:], pts) {
		return nil, "a coordinate is NaN or infinite"
	}
	polygon := t == typePolygon || t == typePolygonZ || t == typePolygonM
	minPts := 2
	if polygon {
		minPts = 4
	}
	if np == 1 {
		// The common case (a parcel, a road segment): no part table.
		if int32(binary.LittleEndian.Uint32(starts)) != 0 {
			return nil, fmt.Sprintf("part 1 has invalid point range %d..%d of %d points", int32(binary.LittleEndian.Uint32(starts)), npts, npts)
		}
		if npts < int64(minPts) {
			return nil, partTooShort(polygon, 1, npts)
		}
		if !polygon {
			return orb.LineString(pts), ""
		}
		if pts[0] != pts[npts-1] {
			pts = append(pts, pts[0])
		}
		return a.polygon(singleRing(pts)), ""
	}
	parts := make([][]orb.Point, np)
	prev := int64(0)
	for i := int64(0); i < np; i++ {
		start := int64(int32(binary.LittleEndian.Uint32(starts[4*i:])))
		end := npts
		if i+1 < np {
			end = int64(int32(binary.LittleEndian.Uint32(starts[4*i+4:])))
		}
		if (i == 0 && start != 0) || start < prev || end < start || end > npts {
			return nil, fmt.Sprintf("part %d has invalid point range %d..%d of %d points", i+1, start, end, npts)
		}
		if end-start < int64(minPts) {
			return nil, partTooShort(polygon, i+1, end-start)
		}
		parts[i] = pts[start:end:end]
		prev = start
	}
	if !polygon {
		if np == 1 {
			return orb.LineString(parts[0]), ""
		}
		ml := make(orb.MultiLineString, np)
		for i, p := range parts {
			ml[i] = orb.LineString(p)
		}
		return ml, ""
	}
	for i, p := range parts {
		if p[0] != p[len(p)-1] {
			// The spec requires closed rings; close it rather than lose it.
			c := make([]orb.Point, len(p)+1)
			copy(c, p)
			c[len(p)] = p[0]
			parts[i] = c
		}
	}
	return assemblePolygons(parts), ""
}

func partTooShort(polygon bool, part, n int64) string {
	if polygon {
		return fmt.Sprintf("ring %d has %d points, a ring needs at least 4", part, n)
	}
	return fmt.Sprintf("line part %d has %d points, a line needs at least 2", part, n)
}
