package glyphs_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sonla-gis/plantile/pkg/glyphs"
	"github.com/sonla-gis/plantile/styles"
)

// A minimal reader for the glyphs protobuf, written independently of the
// encoder so that the test checks the wire format, not the encoder against
// itself.

type decodedGlyph struct {
	id, width, height, advance uint64
	left, top                  int64
	bitmap                     []byte
	hasBitmap                  bool
}

type decodedStack struct {
	name, rng string
	glyphs    []decodedGlyph
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		if len(r.b) == 0 {
			r.err = errors.New("truncated varint")
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errors.New("varint too long")
	return 0
}

func (r *reader) bytes() []byte {
	n := r.varint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.err = errors.New("truncated bytes")
	}
	if r.err != nil {
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// fields calls fn for each field; fn must consume the value.
func (r *reader) fields(fn func(field, wire int)) error {
	for len(r.b) > 0 && r.err == nil {
		k := r.varint()
		field, wire := int(k>>3), int(k&7)
		if wire != 0 && wire != 2 {
			return fmt.Errorf("unexpected wire type %d", wire)
		}
		fn(field, wire)
	}
	return r.err
}

func decode(t *testing.T, b []byte) []decodedStack {
	t.Helper()
	var stacks []decodedStack
	top := &reader{b: b}
	err := top.fields(func(field, wire int) {
		if field != 1 || wire != 2 {
			t.Fatalf("top level: field %d wire %d", field, wire)
		}
		var st decodedStack
		sr := &reader{b: top.bytes()}
		err := sr.fields(func(field, wire int) {
			switch field {
			case 1:
				st.name = string(sr.bytes())
			case 2:
				st.rng = string(sr.bytes())
			case 3:
				var g decodedGlyph
				gr := &reader{b: sr.bytes()}
				err := gr.fields(func(field, wire int) {
					switch field {
					case 1:
						g.id = gr.varint()
					case 2:
						g.bitmap, g.hasBitmap = gr.bytes(), true
					case 3:
						g.width = gr.varint()
					case 4:
						g.height = gr.varint()
					case 5:
						v := gr.varint()
						g.left = int64(v>>1) ^ -int64(v&1)
					case 6:
						v := gr.varint()
						g.top = int64(v>>1) ^ -int64(v&1)
					case 7:
						g.advance = gr.varint()
					default:
						t.Fatalf("glyph: unknown field %d", field)
					}
				})
				if err != nil {
					t.Fatalf("glyph: %v", err)
				}
				st.glyphs = append(st.glyphs, g)
			default:
				t.Fatalf("fontstack: unknown field %d", field)
			}
		})
		if err != nil {
			t.Fatalf("fontstack: %v", err)
		}
		stacks = append(stacks, st)
	})
	if err != nil {
		t.Fatalf("glyphs: %v", err)
	}
	return stacks
}

var (
	setOnce sync.Once
	theSet  *glyphs.Set
	setErr  error
)

func bundled(t *testing.T) *glyphs.Set {
	t.Helper()
	setOnce.Do(func() {
		fonts, err := styles.Fonts()
		if err != nil {
			setErr = err
			return
		}
		theSet, setErr = glyphs.New(fonts...)
	})
	if setErr != nil {
		t.Fatal(setErr)
	}
	return theSet
}

func rangeGlyphs(t *testing.T, s *glyphs.Set, stack string, start int) (decodedStack, map[rune]decodedGlyph) {
	t.Helper()
	b, err := s.Range(stack, start)
	if err != nil {
		t.Fatal(err)
	}
	stacks := decode(t, b)
	if len(stacks) != 1 {
		t.Fatalf("%d fontstacks, want 1", len(stacks))
	}
	byID := map[rune]decodedGlyph{}
	for _, g := range stacks[0].glyphs {
		if _, dup := byID[rune(g.id)]; dup {
			t.Errorf("glyph U+%04X twice", g.id)
		}
		byID[rune(g.id)] = g
	}
	return stacks[0], byID
}

func TestFontstacks(t *testing.T) {
	s := bundled(t)
	got := s.Fontstacks()
	want := []string{"Noto Sans Regular", "Noto Sans Bold"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Fontstacks() = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		stack string
		has   bool
	}{
		{"Noto Sans Regular", true},
		{"noto sans bold", true},
		{"Open Sans Regular,Noto Sans Bold", true},
		{"Open Sans Regular, Arial Unicode MS Regular", false},
	} {
		if got := s.Has(tc.stack); got != tc.has {
			t.Errorf("Has(%q) = %v, want %v", tc.stack, got, tc.has)
		}
	}
}

// TestVietnamese checks that every range a Vietnamese label needs holds
// its letters, with bitmaps of the size MapLibre computes from the metrics.
func TestVietnamese(t *testing.T) {
	s := bundled(t)
	for _, tc := range []struct {
		start int
		runes string
	}{
		{0, "Aa" + "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý"},
		{256, "ĂăĐđĨĩŨũƠơƯư"},
		{768, "\u0300\u0301\u0303\u0309\u0323"}, // combining grave, acute, tilde, hook above, dot below
		{7680, "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"},
	} {
		t.Run(fmt.Sprint(tc.start), func(t *testing.T) {
			st, byID := rangeGlyphs(t, s, "Noto Sans Regular", tc.start)
			if want := fmt.Sprintf("%d-%d", tc.start, tc.start+255); st.rng != want {
				t.Errorf("range %q, want %q", st.rng, want)
			}
			if st.name != "Noto Sans Regular" {
				t.Errorf("name %q", st.name)
			}
			for _, r := range tc.runes {
				g, ok := byID[r]
				if !ok {
					t.Errorf("U+%04X %q missing", r, r)
					continue
				}
				if !g.hasBitmap || g.width == 0 || g.height == 0 {
					t.Errorf("U+%04X %q: empty glyph %+v", r, r, g)
					continue
				}
				if want := (g.width + 2*glyphs.Buffer) * (g.height + 2*glyphs.Buffer); uint64(len(g.bitmap)) != want {
					t.Errorf("U+%04X: bitmap %d bytes, want %d", r, len(g.bitmap), want)
				}
			}
			for id, g := range byID {
				if int(id) < tc.start || int(id) > tc.start+255 {
					t.Errorf("U+%04X outside the range", id)
				}
				if want := (g.width + 2*glyphs.Buffer) * (g.height + 2*glyphs.Buffer); uint64(len(g.bitmap)) != want {
					t.Errorf("U+%04X: bitmap %d bytes, want %d", id, len(g.bitmap), want)
				}
			}
		})
	}
}

// TestMetrics checks metrics against what a 24 px Noto Sans must give:
// lower-case letters sit on the baseline, capitals and accented letters
// reach higher, combining marks have no advance.
func TestMetrics(t *testing.T) {
	s := bundled(t)
	_, latin := rangeGlyphs(t, s, "Noto Sans Regular", 0)
	_, ext := rangeGlyphs(t, s, "Noto Sans Regular", 7680)
	_, comb := rangeGlyphs(t, s, "Noto Sans Regular", 768)
	o, a, H, sp := latin['o'], latin['a'], latin['H'], latin[' ']
	acirc := ext['ấ']
	if sp.width != 0 || sp.height != 0 || sp.advance < 4 || sp.advance > 9 {
		t.Errorf("space %+v: want no ink and an advance of about 6 px", sp)
	}
	if H.height < 15 || H.height > 19 {
		t.Errorf("H height %d, want about 17 px (cap height 0.714 em)", H.height)
	}
	if o.advance < 11 || o.advance > 16 {
		t.Errorf("o advance %d, want about 13 px", o.advance)
	}
	// top is measured from one ascender above the baseline; the x-height
	// of 'o' is below the cap height of 'H', and ấ's stacked marks are above.
	if !(acirc.top > H.top && H.top > o.top) {
		t.Errorf("tops: ấ %d, H %d, o %d: want ấ > H > o", acirc.top, H.top, o.top)
	}
	if int64(o.height)-o.top < 0 || o.top > 0 {
		t.Errorf("o top %d height %d: glyph should lie below the origin", o.top, o.height)
	}
	if a.advance == 0 {
		t.Error("a has no advance")
	}
	if g := comb[0x0301]; g.advance != 0 {
		t.Errorf("combining acute advance %d, want 0", g.advance)
	}
}

// TestSDF checks the distance field of 'o' where its shape is known: the
// middle of the left stroke is inside, the counter and the corners outside.
func TestSDF(t *testing.T) {
	s := bundled(t)
	_, latin := rangeGlyphs(t, s, "Noto Sans Regular", 0)
	o := latin['o']
	w, h := int(o.width)+2*glyphs.Buffer, int(o.height)+2*glyphs.Buffer
	at := func(x, y int) byte { return o.bitmap[y*w+x] }
	midY := h / 2
	// the left stroke of 'o' is about 2.3 px wide at 24 px and starts at
	// the left edge of the glyph box.
	stroke := at(glyphs.Buffer+1, midY)
	if stroke <= 192 {
		t.Errorf("left stroke of o = %d, want > 192 (inside)", stroke)
	}
	counter := at(w/2, midY)
	if counter >= 192 {
		t.Errorf("counter of o = %d, want < 192 (outside)", counter)
	}
	for _, c := range [][2]int{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}} {
		if v := at(c[0], c[1]); v >= 64 {
			t.Errorf("corner %v of o = %d, want < 64 (far outside)", c, v)
		}
	}
	// The field must fall monotonically from the stroke leftwards into the
	// buffer, one pixel costing 255/Radius ≈ 32 levels.
	prev := stroke
	for x := glyphs.Buffer; x >= 0; x-- {
		v := at(x, midY)
		if v > prev {
			t.Errorf("o row %d: value rises from %d to %d at x=%d", midY, prev, v, x)
		}
		prev = v
	}
	if d := int(at(1, midY)) - int(at(0, midY)); d < 24 || d > 40 {
		t.Errorf("one pixel outside changes the field by %d, want about 32", d)
	}
}

// TestFontstack: a comma-separated fontstack resolves to its first font of
// the set; one naming none is refused (it used to render the default font
// and be cached under its own name, a memory leak any client could drive).
func TestFontstack(t *testing.T) {
	s := bundled(t)
	reg, err := s.Range("Noto Sans Regular", 0)
	if err != nil {
		t.Fatal(err)
	}
	bold, err := s.Range("Open Sans Bold,Noto Sans Bold", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, r := rangeGlyphs(t, s, "Noto Sans Regular", 0)
	st, b := rangeGlyphs(t, s, "Open Sans Bold,Noto Sans Bold", 0)
	if st.name != "Noto Sans Bold" {
		t.Errorf("name %q, want the font that rendered it", st.name)
	}
	if b['H'].width <= r['H'].width {
		t.Errorf("bold H width %d not wider than regular %d: the wrong font answered", b['H'].width, r['H'].width)
	}
	if len(reg) == 0 || len(bold) == 0 {
		t.Error("empty range")
	}
	for _, stack := range []string{"Open Sans Regular", "", ",", "Noto Sans", "Noto Sans Regular Extra"} {
		if _, err := s.Range(stack, 0); !errors.Is(err, glyphs.ErrUnknownFont) {
			t.Errorf("Range(%q) error %v, want ErrUnknownFont", stack, err)
		}
	}
}

func TestRangeErrors(t *testing.T) {
	s := bundled(t)
	for _, start := range []int{-256, 1, 255, 0x110000} {
		if _, err := s.Range("Noto Sans Regular", start); !errors.Is(err, glyphs.ErrBadRange) {
			t.Errorf("Range(%d) error %v, want ErrBadRange", start, err)
		}
	}
	for _, tc := range []struct {
		in    string
		start int
		ok    bool
	}{
		{"0-255", 0, true},
		{"7680-7935", 7680, true},
		{"65280-65535", 65280, true},
		{"0-256", 0, false},
		{"1-256", 0, false},
		{"-256--1", 0, false},
		{"0", 0, false},
		{"a-b", 0, false},
		{"", 0, false},
	} {
		got, err := glyphs.ParseRange(tc.in)
		if tc.ok && (err != nil || got != tc.start) {
			t.Errorf("ParseRange(%q) = %d, %v; want %d", tc.in, got, err, tc.start)
		}
		if !tc.ok && !errors.Is(err, glyphs.ErrBadRange) {
			t.Errorf("ParseRange(%q) error %v, want ErrBadRange", tc.in, err)
		}
	}
	if _, err := glyphs.New(); !errors.Is(err, glyphs.ErrNoFont) {
		t.Errorf("New() error %v, want ErrNoFont", err)
	}
	if _, err := glyphs.New([]byte("not a font")); err == nil {
		t.Error("New(garbage) succeeded")
	}
}

// TestCached checks that a range is rendered once: the same bytes come back.
func TestCached(t *testing.T) {
	s := bundled(t)
	a, _ := s.Range("Noto Sans Regular", 256)
	b, _ := s.Range("Noto Sans Regular", 256)
	if len(a) == 0 || &a[0] != &b[0] {
		t.Error("second request re-rendered the range")
	}
}

// BenchmarkRender measures rendering a range from scratch (a fresh Set each
// time, so nothing is cached): the cost of a first request for the range.
func BenchmarkRender(b *testing.B) {
	fonts, err := styles.Fonts()
	if err != nil {
		b.Fatal(err)
	}
	for _, start := range []int{0, 7680} {
		b.Run(fmt.Sprint(start), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := glyphs.New(fonts...)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Range("Noto Sans Regular", start); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzParseRange: whatever the URL holds, ParseRange either refuses it with
// ErrBadRange or returns a multiple of 256 within Unicode whose canonical
// spelling parses back to it.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"0-255", "7680-7935", "1114112-1114367", "-256--1", "+0-255", "0-255-", "256-0", "99999999999999999999-0", " 0-255", "0x100-0x1ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		start, err := glyphs.ParseRange(r)
		if err != nil {
			if !errors.Is(err, glyphs.ErrBadRange) {
				t.Fatalf("ParseRange(%q) error %v, not ErrBadRange", r, err)
			}
			return
		}
		if start < 0 || start > 0x10FFFF || start%glyphs.RangeSize != 0 {
			t.Fatalf("ParseRange(%q) = %d, not a range start", r, start)
		}
		canon := fmt.Sprintf("%d-%d", start, start+glyphs.RangeSize-1)
		if again, err := glyphs.ParseRange(canon); err != nil || again != start {
			t.Fatalf("ParseRange(%q) = %d, %v", canon, again, err)
		}
	})
}
