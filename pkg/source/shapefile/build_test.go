package shapefile_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// The builders below write shapefiles and dBASE tables from the
// specification, so tests can make exactly the (mal)formed input they need.

const (
	tPoint    = 1
	tPolyLine = 3
	tPolygon  = 5
)

// shpFile assembles a .shp: 100-byte header plus records, each given as its
// content (shape type onwards).
func shpFile(shapeType int32, contents ...[]byte) []byte {
	var body bytes.Buffer
	for i, c := range contents {
		var rh [8]byte
		binary.BigEndian.PutUint32(rh[0:], uint32(i+1))
		binary.BigEndian.PutUint32(rh[4:], uint32(len(c)/2))
		body.Write(rh[:])
		body.Write(c)
	}
	h := make([]byte, 100)
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.BigEndian.PutUint32(h[24:], uint32((100+body.Len())/2))
	binary.LittleEndian.PutUint32(h[28:], 1000)
	binary.LittleEndian.PutUint32(h[32:], uint32(shapeType))
	return append(h, body.Bytes()...)
}

func putF(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) }

func pointContent(x, y float64) []byte {
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b, tPoint)
	putF(b[4:], x)
	putF(b[12:], y)
	return b
}

// partsContent writes a PolyLine or Polygon record with the given parts.
func partsContent(shapeType int32, parts ...[]orb.Point) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 44+4*len(parts)+16*n)
	binary.LittleEndian.PutUint32(b, uint32(shapeType))
	var mp orb.MultiPoint
	for _, p := range parts {
		mp = append(mp, p...)
	}
	bound := mp.Bound()
	putF(b[4:], bound.Min[0])
	putF(b[12:], bound.Min[1])
	putF(b[20:], bound.Max[0])
	putF(b[28:], bound.Max[1])
	binary.LittleEndian.PutUint32(b[36:], uint32(len(parts)))
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	off, k := 44+4*len(parts), 0
	for i, p := range parts {
		binary.LittleEndian.PutUint32(b[44+4*i:], uint32(k))
		for _, pt := range p {
			putF(b[off+16*k:], pt[0])
			putF(b[off+16*k+8:], pt[1])
			k++
		}
	}
	return b
}

type dbfField struct {
	name     string
	kind     byte
	width    int
	decimals int
}

// dbfFile assembles a dBASE III table; rows hold one string per field,
// padded to width, and a row starting with "*" is marked deleted.
func dbfFile(ldid byte, fields []dbfField, rows ...[]string) []byte {
	recLen := 1
	for _, f := range fields {
		recLen += f.width
	}
	hl := 32 + 32*len(fields) + 1
	h := make([]byte, hl)
	h[0] = 3
	binary.LittleEndian.PutUint32(h[4:], uint32(len(rows)))
	binary.LittleEndian.PutUint16(h[8:], uint16(hl))
	binary.LittleEndian.PutUint16(h[10:], uint16(recLen))
	h[29] = ldid
	for i, f := range fields {
		d := h[32+32*i:]
		copy(d[:11], f.name)
		d[11] = f.kind
		d[16] = byte(f.width)
		d[17] = byte(f.decimals)
	}
	h[hl-1] = 0x0D
	var buf bytes.Buffer
	buf.Write(h)
	for _, r := range rows {
		flag := " "
		if len(r) > 0 && r[0] == "*" {
			flag, r = "*", r[1:]
		}
		buf.WriteString(flag)
		for i, f := range fields {
			v := r[i] + strings.Repeat(" ", max(0, f.width-len(r[i])))
			buf.WriteString(v[:f.width]) // widths are in bytes
		}
	}
	buf.WriteByte(0x1A)
	return buf.Bytes()
}

func square(x, y, s float64, ccw bool) []orb.Point {
	r := []orb.Point{{x, y}, {x, y + s}, {x + s, y + s}, {x + s, y}, {x, y}}
	if ccw {
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	return r
}

// shxFor writes the index of a .shp made by shpFile.
func shxFor(shp []byte) []byte {
	h := append([]byte(nil), shp[:100]...)
	var idx []byte
	for off := 100; off+8 <= len(shp); {
		clen := int(binary.BigEndian.Uint32(shp[off+4:])) * 2
		var e [8]byte
		binary.BigEndian.PutUint32(e[0:], uint32(off/2))
		binary.BigEndian.PutUint32(e[4:], uint32(clen/2))
		idx = append(idx, e[:]...)
		off += 8 + clen
	}
	binary.BigEndian.PutUint32(h[24:], uint32((100+len(idx))/2))
	return append(h, idx...)
}
