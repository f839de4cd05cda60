package geojson

import (
	"bytes"
	"math"
	"strconv"
)

// MaxDecimals is the most digits after the point AppendCoord writes; more
// precision than this (1e-15 of a degree or a metre) is below what a
// float64 coordinate holds.
const MaxDecimals = 15

// DefaultDecimals is the precision the server writes coordinates with
// unless configured otherwise: 9 decimals, as PostGIS's ST_AsGeoJSON.
const DefaultDecimals = 9

// pow10 holds 10^0 to 10^MaxDecimals, exactly (all below 2^53).
var pow10 = func() (p [MaxDecimals + 1]float64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// fastLimit bounds the scaled coordinates written by integer arithmetic:
// below 2^50 the product v * 10^decimals is off by at most 1/16 of its last
// unit, so the digits written are within 0.5625 units of the last decimal
// of v (correctly rounded except within 1/16 of a tie).
const fastLimit = 1 << 50

// AppendCoord appends the coordinate v as a JSON number with at most
// decimals digits after the point, trailing zeros dropped, rounded to the
// nearest (see fastLimit for ties). decimals < 0 writes the shortest
// decimal that reads back as exactly v. NaN and infinities, which JSON
// cannot carry, are written as null.
//
// Nine decimals (1e-9 of a degree, about 0.1 mm on the ground; of a metre
// in projected CRSs) is what PostGIS's ST_AsGeoJSON writes by default; it
// is 5 to 8 digits shorter a number than the shortest exact decimal of a
// reprojected coordinate, and several times faster to write.
func AppendCoord(b []byte, v float64, decimals int) []byte {
	if decimals < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return appendFloat(b, v)
	}
	decimals = min(decimals, MaxDecimals)
	s := v * pow10[decimals]
	if !(math.Abs(s) < fastLimit) {
		return trimFraction(strconv.AppendFloat(b, v, 'f', decimals, 64), len(b))
	}
	n := int64(math.Round(s))
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var ip, fp uint64
	if decimals == DefaultDecimals {
		// A constant divisor: the compiler multiplies instead of dividing.
		ip, fp = uint64(n)/1e9, uint64(n)%1e9
	} else {
		p := uint64(pow10[decimals])
		ip, fp = uint64(n)/p, uint64(n)%p
	}
	// Digits are written from the right into buf, two at a time: the
	// fraction without its trailing zeros, the point, the integer part.
	var buf [40]byte
	k := len(buf)
	if fp != 0 {
		d := decimals
		for fp%10 == 0 {
			fp /= 10
			d--
		}
		for ; d >= 2; d -= 2 {
			q := fp / 100
			r := fp - q*100
			k -= 2
			buf[k], buf[k+1] = twoDigits[2*r], twoDigits[2*r+1]
			fp = q
		}
		if d == 1 {
			k--
			buf[k] = byte('0' + fp)
		}
		k--
		buf[k] = '.'
	}
	for ip >= 100 {
		q := ip / 100
		r := ip - q*100
		k -= 2
		buf[k], buf[k+1] = twoDigits[2*r], twoDigits[2*r+1]
		ip = q
	}
	if ip >= 10 {
		k -= 2
		buf[k], buf[k+1] = twoDigits[2*ip], twoDigits[2*ip+1]
	} else {
		k--
		buf[k] = byte('0' + ip)
	}
	return append(b, buf[k:]...)
}

// twoDigits holds "00" to "99".
const twoDigits = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// trimFraction drops the trailing zeros of the number b[start:], written
// by strconv.AppendFloat with 'f' and a precision, and its point if nothing
// follows it.
func trimFraction(b []byte, start int) []byte {
	dot := bytes.IndexByte(b[start:], '.')
	if dot < 0 {
		return b
	}
	dot += start
	for len(b) > dot+1 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) == dot+1 {
		b = b[:dot]
	}
	return b
}
