package source

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"unicode/utf8"
)

// Kind is what a file holds, as its first bytes tell.
type Kind int

// The kinds Sniff tells apart. Only Zip, Shapefile and GeoJSON are read.
const (
	Unknown   Kind = iota // anything else; Sniff's description says what
	Zip                   // a zip archive (of shapefile sets)
	Shapefile             // the main file of a shapefile set (.shp)
	GeoJSON               // a JSON object or a GeoJSON text sequence
)

// SniffLen is how many leading bytes Sniff reads.
const SniffLen = 512

// signatures are the leading bytes of file types people upload by mistake,
// with the words a planner recognises.
var signatures = []struct {
	magic string
	what  string
}{
	{"\x89PNG\r\n\x1a\n", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF87a", "a GIF image"},
	{"GIF89a", "a GIF image"},
	{"II*\x00", "a TIFF image (a scanned map or a GeoTIFF?)"},
	{"MM\x00*", "a TIFF image (a scanned map or a GeoTIFF?)"},
	{"%PDF-", "a PDF document"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc, .xls)"},
	{"SQLite format 3\x00", "an SQLite database (a GeoPackage or MBTiles?)"},
	{"\x1f\x8b", "a gzip file (unpack it, or zip the shapefile set)"},
	{"BZh", "a bzip2 file"},
	{"\xfd7zXZ\x00", "an xz file"},
	{"Rar!\x1a\x07", "a RAR archive (zip the shapefile set instead)"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (zip the shapefile set instead)"},
	{"<?xml", "an XML document (KML or GML?)"},
	{"<kml", "a KML document"},
	{"<!DOCTYPE html", "an HTML page"},
	{"<html", "an HTML page"},
}

// SniffBytes says what head, the first bytes of a file (SniffLen is
// enough), holds: a Kind, and for Unknown what it looks like instead, in
// words ("a PNG image", "a JSON array, not a GeoJSON object").
func SniffBytes(head []byte) (Kind, string) {
	if len(head) == 0 {
		return Unknown, "an empty file"
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) || bytes.HasPrefix(head, []byte("PK\x07\x08")) {
		return Zip, "a zip archive"
	}
	if len(head) >= 4 && bytes.Equal(head[:4], []byte{0, 0, 0x27, 0x0a}) {
		return Shapefile, "a shapefile (.shp)"
	}
	for _, s := range signatures {
		if bytes.HasPrefix(head, []byte(s.magic)) {
			return Unknown, s.what
		}
	}
	text := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	text = bytes.TrimLeft(text, " \t\r\n\x1e")
	switch {
	case len(text) == 0:
		return Unknown, "blank text"
	case text[0] == '{':
		return GeoJSON, "JSON"
	case text[0] == '[':
		return Unknown, "a JSON array (GeoJSON is an object: a FeatureCollection)"
	}
	if utf8.Valid(text[:validPrefix(text)]) && bytes.IndexByte(text, 0) < 0 {
		if bytes.HasPrefix(text, []byte("<")) {
			return Unknown, "an XML or HTML document"
		}
		return Unknown, "text that is not JSON (a CSV table?)"
	}
	return Unknown, "binary data of another type (" + http.DetectContentType(head) + ")"
}

// validPrefix returns the length of text without a rune cut at its end
// (head is a prefix of the file).
func validPrefix(text []byte) int {
	n := len(text)
	for i := 0; i < utf8.UTFMax && n-i > 0; i++ {
		if utf8.RuneStart(text[n-i-1]) {
			if !utf8.FullRune(text[n-i-1:]) {
				return n - i - 1
			}
			break
		}
	}
	return n
}

// Sniff reads the first bytes of the file at path and says what it holds
// (see SniffBytes). Uploads are judged by their content, never by their
// name.
func Sniff(path string) (Kind, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return Unknown, "", fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return Unknown, "", fmt.Errorf("source: %s: %w", path, err)
	}
	k, what := SniffBytes(head[:n])
	return k, what, nil
}
