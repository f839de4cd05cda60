package geojson

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The functions here read pieces of JSON that encoding/json has already
// validated (json.RawMessage from a Decoder), so they check structure, not
// syntax; they must still never panic, which FuzzGeoJSON checks.

var errShape = errors.New("coordinates are not nested arrays of numbers as the geometry type requires")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// coords parses nested JSON arrays of numbers.
type coords struct {
	b    []byte
	i    int
	hasZ bool
}

// position parses [x, y, ...]: at least two numbers; a third (Z) and
// more are dropped but noted.
func (c *coords) position() (orb.Point, error) {
	c.i = skipSpace(c.b, c.i)
	if c.i >= len(c.b) || c.b[c.i] != '[' {
		return orb.Point{}, errShape
	}
	c.i++
	var p orb.Point
	n := 0
	for {
		c.i = skipSpace(c.b, c.i)
		if c.i >= len(c.b) {
			return p, errShape
		}
		if c.b[c.i] == ']' {
			c.i++
			break
		}
		if n > 0 {
			if c.b[c.i] != ',' {
				return p, errShape
			}
			c.i = skipSpace(c.b, c.i+1)
		}
		start := c.i
		for c.i < len(c.b) {
			ch := c.b[c.i]
			if ch >= '0' && ch <= '9' || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E' {
				c.i++
				continue
			}
			break
		}
		if start == c.i {
			return p, errShape
		}
		v, err := strconv.ParseFloat(string(c.b[start:c.i]), 64)
		if err != nil || math.IsInf(v, 0) {
			return p, errors.New("coordinate " + string(c.b[start:c.i]) + " is not a finite number")
		}
		if n < 2 {
			p[n] = v
		} else {
			c.hasZ = true
		}
		n++
	}
	if n < 2 {
		return p, errors.New("a position needs at least two numbers")
	}
	return p, nil
}

// list parses [elem, elem, ...] calling elem for each element.
func (c *coords) list(elem func() error) error {
	c.i = skipSpace(c.b, c.i)
	if c.i >= len(c.b) || c.b[c.i] != '[' {
		return errShape
	}
	c.i++
	for first := true; ; first = false {
		c.i = skipSpace(c.b, c.i)
		if c.i >= len(c.b) {
			return errShape
		}
		if c.b[c.i] == ']' {
			c.i++
			return nil
		}
		if !first {
			if c.b[c.i] != ',' {
				return errShape
			}
			c.i++
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

func (c *coords) points() ([]orb.Point, error) {
	var pts []orb.Point
	err := c.list(func() error {
		p, err := c.position()
		pts = append(pts, p)
		return err
	})
	return pts, err
}

func (c *coords) lines() ([][]orb.Point, error) {
	var ls [][]orb.Point
	err := c.list(func() error {
		l, err := c.points()
		ls = append(ls, l)
		return err
	})
	return ls, err
}

func (c *coords) polygons() ([][][]orb.Point, error) {
	var ps [][][]orb.Point
	err := c.list(func() error {
		p, err := c.lines()
		ps = append(ps, p)
		return err
	})
	return ps, err
}

// end checks nothing but space follows the coordinates.
func (c *coords) end() error {
	if skipSpace(c.b, c.i) != len(c.b) {
		return errShape
	}
	return nil
}

// skipValue returns the index just past the JSON value starting at i.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	i++
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return len(b)
}

// decodeString returns the string of the JSON string literal raw.
func decodeString(raw []byte) (string, error) {
	inner := raw[1 : len(raw)-1]
	simple := utf8.Valid(inner)
	for _, c := range inner {
		if c == '\\' {
			simple = false
			break
		}
	}
	if simple {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// members calls f for each member of the JSON object raw, in order, with
// the member's name and raw value. It reports false when raw is not an
// object.
func members(raw []byte, f func(name string, value []byte) error) (bool, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false, nil
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return true, errShape
		}
		switch raw[i] {
		case '}':
			return true, nil
		case ',':
			i = skipSpace(raw, i+1)
		}
		if i >= len(raw) || raw[i] != '"' {
			return true, errors.New("bad object")
		}
		end := skipString(raw, i)
		if end > len(raw) || end-i < 2 {
			return true, errors.New("bad object")
		}
		name, err := decodeString(raw[i:end])
		if err != nil {
			return true, err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return true, errors.New("bad object")
		}
		i = skipSpace(raw, i+1)
		vend := skipValue(raw, i)
		if vend > len(raw) || vend == i {
			return true, errors.New("bad object")
		}
		if err := f(name, raw[i:vend]); err != nil {
			return true, err
		}
		i = vend
	}
}
