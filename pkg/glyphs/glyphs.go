package glyphs

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The rendering parameters MapLibre GL JS assumes for server glyphs.
const (
	Size      = 24   // em size in pixels
	Buffer    = 3    // empty border around each bitmap, in pixels
	Radius    = 8    // distance in pixels that the field spans
	Cutoff    = 0.25 // share of the radius used inside the outline
	RangeSize = 256  // code points per range file
)

// maxRune is the last code point a range may cover.
const maxRune = 0x10FFFF

var (
	// ErrBadRange is returned for a range that is not a multiple of 256
	// within Unicode, or not written "start-end" with end = start+255.
	ErrBadRange = errors.New("glyphs: bad range")
	// ErrNoFont is returned by New when it is given no font.
	ErrNoFont = errors.New("glyphs: no font")
	// ErrUnknownFont is returned by Range for a fontstack that names no
	// font of the set.
	ErrUnknownFont = errors.New("glyphs: no such font")
)

// face is one parsed font and the fontstack name it answers to.
type face struct {
	name   string
	font   *sfnt.Font
	ascent float64 // pixels above the baseline at Size
}

// Set renders glyph ranges from a fixed set of fonts. It is safe for
// concurrent use; each range is rendered once and then served from memory.
// The cache is keyed by font, not by the fontstack as requested, so it is
// bounded by the fonts of the set times the 4,352 ranges of Unicode
// whatever clients ask (most ranges of a font are empty: a few bytes).
type Set struct {
	faces []*face // in the order given to New; faces[0] is the default

	mu    sync.Mutex
	buf   sfnt.Buffer // guarded by mu, like everything sfnt touches
	cache map[cacheKey][]byte
}

type cacheKey struct {
	face  *face
	start int
}

// New parses TrueType/OpenType fonts. Each answers to the fontstack name
// "<family> <subfamily>" from its name table, e.g. "Noto Sans Regular".
func New(fonts ...[]byte) (*Set, error) {
	if len(fonts) == 0 {
		return nil, ErrNoFont
	}
	s := &Set{cache: make(map[cacheKey][]byte)}
	for i, src := range fonts {
		f, err := sfnt.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("glyphs: font %d: %w", i, err)
		}
		family, err := f.Name(&s.buf, sfnt.NameIDFamily)
		if err != nil {
			return nil, fmt.Errorf("glyphs: font %d: family name: %w", i, err)
		}
		sub, err := f.Name(&s.buf, sfnt.NameIDSubfamily)
		if err != nil {
			return nil, fmt.Errorf("glyphs: font %d: subfamily name: %w", i, err)
		}
		m, err := f.Metrics(&s.buf, fixed.I(Size), font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("glyphs: font %d: metrics: %w", i, err)
		}
		s.faces = append(s.faces, &face{
			name:   family + " " + sub,
			font:   f,
			ascent: fromFixed(m.Ascent),
		})
	}
	return s, nil
}

// Fontstacks lists the fontstack names the set answers to, default first.
func (s *Set) Fontstacks() []string {
	names := make([]string, len(s.faces))
	for i, f := range s.faces {
		names[i] = f.name
	}
	return names
}

// Has reports whether one of the comma-separated names in fontstack is a
// font of the set (Range answers it).
func (s *Set) Has(fontstack string) bool {
	return s.lookup(fontstack) != nil
}

// lookup returns the first font named in the comma-separated fontstack.
func (s *Set) lookup(fontstack string) *face {
	for _, name := range strings.Split(fontstack, ",") {
		name = strings.TrimSpace(name)
		for _, f := range s.faces {
			if strings.EqualFold(f.name, name) {
				return f
			}
		}
	}
	return nil
}

// ParseRange parses a range as it appears in a glyph URL, "7680-7935", and
// returns its first code point.
func ParseRange(r string) (int, error) {
	a, b, ok := strings.Cut(r, "-")
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrBadRange, r)
	}
	start, err1 := strconv.Atoi(a)
	end, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || end != start+RangeSize-1 || checkStart(start) != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadRange, r)
	}
	return start, nil
}

func checkStart(start int) error {
	if start < 0 || start > maxRune || start%RangeSize != 0 {
		return fmt.Errorf("%w: %d", ErrBadRange, start)
	}
	return nil
}

// Range returns the glyphs protobuf for the 256 code points from start in
// fontstack. The fontstack may list several comma-separated names (as
// MapLibre sends "text-font" arrays); the first font of the set named there
// renders the range. A fontstack naming no font of the set is refused with
// ErrUnknownFont: answering every name with the default font would let any
// client fill memory with one cached copy per invented name. The message
// carries the name of the font that rendered it. Code points the font
// lacks are left out, as MapLibre expects. The returned slice is shared: do
// not modify it.
func (s *Set) Range(fontstack string, start int) ([]byte, error) {
	if err := checkStart(start); err != nil {
		return nil, err
	}
	f := s.lookup(fontstack)
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFont, fontstack)
	}
	key := cacheKey{f, start}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.cache[key]; ok {
		return b, nil
	}
	var gs []glyph
	for r := rune(start); r < rune(start+RangeSize); r++ {
		g, ok, err := s.render(f, r)
		if err != nil {
			return nil, err
		}
		if ok {
			gs = append(gs, g)
		}
	}
	b := encodeRange(f.name, fmt.Sprintf("%d-%d", start, start+RangeSize-1), gs)
	s.cache[key] = b
	return b, nil
}

// render rasterizes r at Size and encodes its distance field. ok is false
// when the font has no glyph for r. The caller holds s.mu.
func (s *Set) render(f *face, r rune) (g glyph, ok bool, err error) {
	idx, err := f.font.GlyphIndex(&s.buf, r)
	if err != nil {
		return glyph{}, false, fmt.Errorf("glyphs: %s U+%04X: %w", f.name, r, err)
	}
	if idx == 0 {
		return glyph{}, false, nil
	}
	ppem := fixed.I(Size)
	bounds, adv, err := f.font.GlyphBounds(&s.buf, idx, ppem, font.HintingNone)
	if err != nil {
		return glyph{}, false, fmt.Errorf("glyphs: %s U+%04X: bounds: %w", f.name, r, err)
	}
	segs, err := f.font.LoadGlyph(&s.buf, idx, ppem, nil)
	if err != nil {
		return glyph{}, false, fmt.Errorf("glyphs: %s U+%04X: outline: %w", f.name, r, err)
	}
	g = glyph{id: r, advance: uint32(max(0, math.Round(fromFixed(adv))))}

	// sfnt's y axis points down: bounds.Min.Y is minus the height above the
	// baseline. Whole pixels keep the bitmap aligned with the metrics.
	x0 := int(math.Floor(fromFixed(bounds.Min.X)))
	y0 := int(math.Floor(fromFixed(bounds.Min.Y)))
	x1 := int(math.Ceil(fromFixed(bounds.Max.X)))
	y1 := int(math.Ceil(fromFixed(bounds.Max.Y)))
	if len(segs) == 0 || x1 <= x0 || y1 <= y0 {
		x0, y0, x1, y1 = 0, 0, 0, 0 // a space: metrics only
	}
	w, h := x1-x0, y1-y0
	g.width, g.height = uint32(w), uint32(h)
	g.left = int32(x0)
	// MapLibre's "top" is measured from an origin one ascender above the
	// baseline (what FreeType-based generators emit), not from the baseline.
	g.top = int32(-y0 - int(math.Round(f.ascent)))

	bw, bh := w+2*Buffer, h+2*Buffer
	mask := image.NewAlpha(image.Rect(0, 0, bw, bh))
	if w > 0 {
		var z vector.Rasterizer
		z.Reset(bw, bh)
		dx := float32(Buffer - x0)
		dy := float32(Buffer - y0)
		pt := func(p fixed.Point26_6) (float32, float32) {
			return float32(fromFixed(p.X)) + dx, float32(fromFixed(p.Y)) + dy
		}
		for i, seg := range segs {
			switch seg.Op {
			case sfnt.SegmentOpMoveTo:
				if i > 0 {
					z.ClosePath() // contours may end short of their start
				}
				z.MoveTo(pt(seg.Args[0]))
			case sfnt.SegmentOpLineTo:
				z.LineTo(pt(seg.Args[0]))
			case sfnt.SegmentOpQuadTo:
				bx, by := pt(seg.Args[0])
				cx, cy := pt(seg.Args[1])
				z.QuadTo(bx, by, cx, cy)
			case sfnt.SegmentOpCubeTo:
				bx, by := pt(seg.Args[0])
				cx, cy := pt(seg.Args[1])
				ex, ey := pt(seg.Args[2])
				z.CubeTo(bx, by, cx, cy, ex, ey)
			}
		}
		z.ClosePath()
		z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	}
	g.bitmap = sdf(mask.Pix, bw, bh, Radius, Cutoff)
	return g, true, nil
}

// fromFixed converts 26.6 fixed point to float64.
func fromFixed(v fixed.Int26_6) float64 { return float64(v) / 64 }
