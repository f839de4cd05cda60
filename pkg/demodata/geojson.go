package demodata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// writeFeature writes f as one line of GeoJSON, with properties in their
// declared order and coordinates to the centimetre.
func writeFeature(w *bufio.Writer, f Feature) error {
	w.WriteString(`{"type":"Feature","properties":{`)
	for i, p := range f.Props {
		if i > 0 {
			w.WriteByte(',')
		}
		writeString(w, p.Key)
		w.WriteByte(':')
		switch v := p.Val.(type) {
		case string:
			writeString(w, v)
		case int:
			w.WriteString(strconv.Itoa(v))
		case float64:
			w.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		default:
			return fmt.Errorf("demodata: property %s: unsupported type %T", p.Key, p.Val)
		}
	}
	w.WriteString(`},"geometry":`)
	switch {
	case f.Polygon != nil:
		w.WriteString(`{"type":"Polygon","coordinates":[`)
		writeCoords(w, append(f.Polygon, f.Polygon[0]))
		w.WriteString(`]}`)
	case f.Line != nil:
		w.WriteString(`{"type":"LineString","coordinates":`)
		writeCoords(w, f.Line)
		w.WriteString(`}`)
	case f.Point != nil:
		w.WriteString(`{"type":"Point","coordinates":`)
		writeCoord(w, *f.Point)
		w.WriteString(`}`)
	default:
		return fmt.Errorf("demodata: feature without geometry")
	}
	_, err := w.WriteString("}")
	return err
}

func writeString(w *bufio.Writer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	w.Write(b)
}

func writeCoords(w *bufio.Writer, pts []pt) {
	w.WriteByte('[')
	for i, p := range pts {
		if i > 0 {
			w.WriteByte(',')
		}
		writeCoord(w, p)
	}
	w.WriteByte(']')
}

func writeCoord(w *bufio.Writer, p pt) {
	w.WriteByte('[')
	w.WriteString(strconv.FormatFloat(p.X, 'f', 2, 64))
	w.WriteByte(',')
	w.WriteString(strconv.FormatFloat(p.Y, 'f', 2, 64))
	w.WriteByte(']')
}

// WriteCollection writes features as a GeoJSON FeatureCollection named name
// in EPSG:9206, one feature per line. The "crs" member is the GeoJSON 2008
// form that GDAL and QGIS read; RFC 7946 dropped it, but without it nothing
// could tell TM-3 metres from degrees.
func WriteCollection(out io.Writer, name string, features []Feature) error {
	w := bufio.NewWriter(out)
	w.WriteString(`{"type":"FeatureCollection","name":`)
	writeString(w, name)
	w.WriteString(`,"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9206"}},"features":[` + "\n")
	for i, f := range features {
		if err := writeFeature(w, f); err != nil {
			return err
		}
		if i < len(features)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("]}\n")
	return w.Flush()
}
