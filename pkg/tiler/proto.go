package tiler

import (
	"encoding/binary"
	"math"
)

// The few protobuf primitives the MVT 2.1 schema needs
// (github.com/mapbox/vector-tile-spec/blob/master/2.1/vector_tile.proto).
// Writing them directly from the index columns avoids building a message
// tree per tile.

const (
	wireVarint = 0
	wire64     = 1
	wireBytes  = 2
)

func appendKey(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendPacked(b []byte, field int, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += varintLen(uint64(v))
	}
	b = appendKey(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(n))
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

func appendString(b []byte, field int, s string) []byte {
	b = appendKey(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendDouble(b []byte, field int, f float64) []byte {
	b = appendKey(b, field, wire64)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func zigzag(n int32) uint32 { return uint32((n << 1) ^ (n >> 31)) }

// MVT geometry commands.
const (
	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

func command(id, count int) uint32 { return uint32(id&7) | uint32(count)<<3 }

// MVT feature types.
const (
	typePoint   = 1
	typeLine    = 2
	typePolygon = 3
)
