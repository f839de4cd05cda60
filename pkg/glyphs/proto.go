package glyphs

import "math"

// The glyphs protobuf (glyphs.proto of mapbox/glyph-pbf-composite):
//
//	message glyph     { uint32 id = 1; bytes bitmap = 2; uint32 width = 3; uint32 height = 4;
//	                    sint32 left = 5; sint32 top = 6; uint32 advance = 7; }
//	message fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3; }
//	message glyphs    { repeated fontstack stacks = 1; }
//
// Only the writer side lives here; it is small enough that a generated
// protobuf package would be more code than the encoder.

const (
	wireVarint = 0
	wireBytes  = 2
)

// pbuf is an append-only protobuf writer.
type pbuf []byte

func (b *pbuf) key(field, wire int) { b.varint(uint64(field)<<3 | uint64(wire)) }

func (b *pbuf) varint(v uint64) {
	for v >= 0x80 {
		*b = append(*b, byte(v)|0x80)
		v >>= 7
	}
	*b = append(*b, byte(v))
}

func (b *pbuf) uint32Field(field int, v uint32) {
	b.key(field, wireVarint)
	b.varint(uint64(v))
}

// sint32Field writes a zigzag-encoded sint32.
func (b *pbuf) sint32Field(field int, v int32) {
	b.key(field, wireVarint)
	b.varint(uint64(uint32(v<<1) ^ uint32(v>>31)))
}

func (b *pbuf) bytesField(field int, v []byte) {
	b.key(field, wireBytes)
	b.varint(uint64(len(v)))
	*b = append(*b, v...)
}

// glyph is one rendered glyph: its SDF bitmap, (width+2*Buffer) by
// (height+2*Buffer) bytes, and its metrics in pixels at Size.
type glyph struct {
	id            rune
	bitmap        []byte
	width, height uint32
	left, top     int32
	advance       uint32
}

func (g *glyph) encode() []byte {
	var b pbuf
	b.uint32Field(1, uint32(g.id))
	b.bytesField(2, g.bitmap)
	b.uint32Field(3, g.width)
	b.uint32Field(4, g.height)
	b.sint32Field(5, g.left)
	b.sint32Field(6, g.top)
	b.uint32Field(7, g.advance)
	return b
}

// encodeRange encodes one glyphs message with a single fontstack.
func encodeRange(name, rng string, gs []glyph) []byte {
	var stack pbuf
	stack.bytesField(1, []byte(name))
	stack.bytesField(2, []byte(rng))
	for i := range gs {
		stack.bytesField(3, gs[i].encode())
	}
	var out pbuf
	out.bytesField(1, stack)
	return out
}

// clampByte rounds v to the nearest byte value.
func clampByte(v float64) byte {
	return byte(math.Max(0, math.Min(255, math.Round(v))))
}
