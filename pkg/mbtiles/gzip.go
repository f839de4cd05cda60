package mbtiles

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sync"
)

// IsGzip reports whether b starts with the gzip magic number. Vector tiles
// in MBTiles are gzipped by convention; a server uses this to decide on the
// Content-Encoding header.
func IsGzip(b []byte) bool {
	return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
}

// Gunzip returns the decompressed content of b, or b itself when it is not
// gzipped.
func Gunzip(b []byte) ([]byte, error) {
	if !IsGzip(b) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("mbtiles: gunzip: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("mbtiles: gunzip: %w", err)
	}
	return out, nil
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// Gzip compresses b deterministically: the header carries no name, no
// modification time and no comment, so identical tiles give identical bytes
// and deduplicate.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf) // Reset clears the header: zero ModTime, empty Name
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}
