package server

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func TestParseTilePath(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		name    string
		z, x, y int
		ext     string
	}{
		{"sonla/0/0/0.pbf", true, "sonla", 0, 0, 0, "pbf"},
		{"sonla/14/13012/7267.pbf", true, "sonla", 14, 13012, 7267, "pbf"},
		{"sonla/14/13012/7267.mvt", true, "sonla", 14, 13012, 7267, "mvt"},
		{"son-la_v2.1/3/7/0.pbf", true, "son-la_v2.1", 3, 7, 0, "pbf"},
		{"a/30/1073741823/1073741823.pbf", true, "a", 30, 1<<30 - 1, 1<<30 - 1, "pbf"},
		{"a/31/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/1/2/0.pbf", false, "", 0, 0, 0, ""},
		{"a/1/0/2.pbf", false, "", 0, 0, 0, ""},
		{"a/0/1/0.pbf", false, "", 0, 0, 0, ""},
		{"a/z/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/-1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/+1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/01/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/1/0x1/0.pbf", false, "", 0, 0, 0, ""},
		{"a/99999999999/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/1/0/.pbf", false, "", 0, 0, 0, ""},
		{"a/1/0.pbf", false, "", 0, 0, 0, ""},
		{"1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"/1/0/0.pbf", false, "", 0, 0, 0, ""},
		{".hidden/1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/b/1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a b/1/0/0.pbf", false, "", 0, 0, 0, ""},
		{"a/1/0/0.png", false, "", 0, 0, 0, ""},
		{"a/1/0/0", false, "", 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTilePath(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("parseTilePath(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil {
				if ErrorKind(err) != KindInvalid {
					t.Errorf("kind = %v, want invalid", ErrorKind(err))
				}
				return
			}
			want := tileRequest{tt.name, tt.z, tt.x, tt.y, tt.ext}
			if got != want {
				t.Errorf("parseTilePath(%q) = %+v, want %+v", tt.in, got, want)
			}
		})
	}
}

// FuzzTilePath checks that the tile path parser never panics, accepts only
// coordinates inside the pyramid and only canonical paths: whatever it
// accepts formats back to the same string.
func FuzzTilePath(f *testing.F) {
	for _, s := range []string{"sonla/14/13012/7267.pbf", "a/0/0/0.mvt", "a/30/1073741823/0.pbf", "a/1/2/0.pbf", "a//0/0.pbf", "x/01/0/0.pbf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := parseTilePath(p)
		if err != nil {
			if ErrorKind(err) != KindInvalid {
				t.Fatalf("parseTilePath(%q): kind %v, want invalid", p, ErrorKind(err))
			}
			return
		}
		if got.z < 0 || got.z > MaxZoom || got.x < 0 || got.y < 0 || got.x >= 1<<got.z || got.y >= 1<<got.z {
			t.Fatalf("parseTilePath(%q) = %+v: outside the pyramid", p, got)
		}
		if !validName(got.name) {
			t.Fatalf("parseTilePath(%q) accepted name %q", p, got.name)
		}
		if back := fmt.Sprintf("%s/%d/%d/%d.%s", got.name, got.z, got.x, got.y, got.ext); back != p {
			t.Fatalf("parseTilePath(%q) = %+v, which formats as %q", p, got, back)
		}
	})
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"gzip, deflate"}, true},
		{[]string{"deflate, gzip;q=1.0, *;q=0.5"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip;q=bad"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*;q=0, gzip"}, true},
		{[]string{"identity"}, false},
		{[]string{"br, zstd"}, false},
		{[]string{"br", "gzip"}, true},
		{[]string{"gzipper"}, false},
		{[]string{" gzip ; q=0.5 "}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.header), func(t *testing.T) {
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestETagMatch(t *testing.T) {
	const e = `"abc"`
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{`"abc"`}, true},
		{[]string{`W/"abc"`}, true},
		{[]string{`"x", "abc"`}, true},
		{[]string{`"x"`, `"abc"`}, true},
		{[]string{`"abcd"`}, false},
		{[]string{`"ab"`}, false},
		{[]string{`*`}, true},
		{[]string{`abc`}, false},
		{[]string{`"abc`}, false},
		{[]string{`junk, "abc"`}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.header), func(t *testing.T) {
			if got := etagMatch(tt.header, e); got != tt.want {
				t.Errorf("etagMatch(%q) = %v, want %v", tt.header, got, tt.want)
			}
			// A weak tag of the server (versionETag's) compares the same
			// way: If-None-Match uses the weak comparison.
			if got := etagMatch(tt.header, "W/"+e); got != tt.want {
				t.Errorf("etagMatch(%q, weak) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestTileRanges(t *testing.T) {
	b := orb.Bound{Min: orb.Point{103.88, 21.30}, Max: orb.Point{103.94, 21.35}}
	r := tileRanges([4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, 16)
	if len(r) != 17 {
		t.Fatalf("tileRanges: %d zooms, want 17", len(r))
	}
	// The corners' tiles, computed independently with orb's maptile, are
	// the range's corners at every zoom.
	for z := range r {
		nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, maptile.Zoom(z))
		se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, maptile.Zoom(z))
		want := tileRange{int(nw.X), int(se.X), int(nw.Y), int(se.Y)}
		if r[z] != want {
			t.Errorf("zoom %d: %+v, want %+v", z, r[z], want)
		}
	}
	for _, bad := range [][4]float64{{0, 0, 0, 0}, {10, 0, 5, 1}, {0, 10, 1, 5}, {-200, 0, 1, 1}} {
		if got := tileRanges(bad, 5); got != nil {
			t.Errorf("tileRanges(%v) = %v, want nil (no bounds check)", bad, got)
		}
	}
}
