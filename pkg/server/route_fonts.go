package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/gorilla/mux"

	"github.com/sonla-gis/plantile/pkg/glyphs"
)

// errNoFont is returned by GlyphsFS for a fontstack none of whose fonts it
// has.
var errNoFont = errors.New("server: no such font")

// GlyphsFS serves pre-generated glyph ranges from fsys, laid out as
// FONTSTACK/START-END.pbf (the layout of openmaptiles/fonts and of
// `plantile` glyph exports). For a comma-separated fontstack the first font
// that has the range answers.
type GlyphsFS struct{ FS fs.FS }

// Range implements GlyphSource.
func (g GlyphsFS) Range(fontstack string, start int) ([]byte, error) {
	name := strconv.Itoa(start) + "-" + strconv.Itoa(start+glyphs.RangeSize-1) + ".pbf"
	for _, font := range strings.Split(fontstack, ",") {
		font = strings.TrimSpace(font)
		if font == "" || !fs.ValidPath(font) || strings.Contains(font, "/") {
			continue
		}
		b, err := fs.ReadFile(g.FS, font+"/"+name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: %q", errNoFont, fontstack)
}

// handleFonts answers GET /fonts/{fontstack}/{range}.pbf with a glyph
// range protobuf (application/x-protobuf), cached like tiles.
func (s *Server) handleFonts(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	fontstack := v["fontstack"]
	if len(fontstack) > 256 || strings.ContainsFunc(fontstack, func(c rune) bool { return !unicode.IsPrint(c) }) {
		return errorf(KindInvalid, "bad fontstack")
	}
	start, err := glyphs.ParseRange(v["range"])
	if err != nil {
		return errorf(KindInvalid, "glyph range %q must be START-END with START a multiple of 256 and END = START+255", clip(v["range"]))
	}
	if s.glyphs == nil {
		return errorf(KindNotFound, "this server has no fonts")
	}
	b, err := s.glyphs.Range(fontstack, start)
	switch {
	case errors.Is(err, errNoFont), errors.Is(err, glyphs.ErrUnknownFont):
		return errorf(KindNotFound, "no font in %q has range %s", clip(fontstack), v["range"])
	case errors.Is(err, glyphs.ErrBadRange):
		return errorf(KindInvalid, "bad glyph range %q", clip(v["range"]))
	case err != nil:
		return fmt.Errorf("server: glyphs %q %d: %w", fontstack, start, err)
	}
	h := w.Header()
	h["Cache-Control"] = s.hdrTileCache
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
	return nil
}
