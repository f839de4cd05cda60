package crs_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/crs"
)

func nanValue() float64 { return math.NaN() }

func TestParseWKT(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"simple", `UNIT["metre",1]`, true},
		{"parens", `UNIT("metre", 1)`, true},
		{"quote doubled", `PROJCS["a ""b""",UNIT["m",1]]`, true},
		{"word", `AXIS["Easting",EAST]`, true},
		{"empty args", `X[]`, true},
		{"exponent", `X[1e-3,-2.5E+2]`, true},
		{"unterminated", `UNIT["metre",1`, false},
		{"unterminated string", `UNIT["metre,1]`, false},
		{"mismatched", `UNIT["metre",1)`, false},
		{"trailing", `UNIT["metre",1] x`, false},
		{"no keyword", `["a"]`, false},
		{"bad number", `X[1.2.3]`, false},
		{"huge number", `X[1e999]`, false},
		{"trailing comma", `X[1,]`, false},
		{"deep", strings.Repeat("A[", 100) + strings.Repeat("]", 100), false},
		{"long", "X[" + strings.Repeat("1,", 40000) + "1]", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := crs.ParseWKT(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseWKT = %v, %v; want ok %v", n, err, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "crs: ") {
				t.Errorf("error %q lacks the prefix", err)
			}
		})
	}
	n, err := crs.ParseWKT(`PROJCS["a ""b""",UNIT("m",1),AXIS["E",EAST]]`)
	if err != nil {
		t.Fatal(err)
	}
	if n.Keyword != "PROJCS" || n.Name() != `a "b"` || n.Child("UNIT") == nil || n.Child("AXIS").Args[1] != crs.Word("EAST") {
		t.Errorf("tree %+v", n)
	}
	if f, ok := n.Child("UNIT").Number(1); !ok || f != 1 {
		t.Errorf("UNIT number %v %v", f, ok)
	}
}

// TestWKTRoundTrip checks that String writes what ParseWKT reads back.
func TestWKTRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.prj")
	if len(files) < 5 {
		t.Fatal("fixtures missing")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := crs.ParseWKT(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n2, err := crs.ParseWKT(n.String())
		if err != nil {
			t.Fatalf("%s: reparse: %v", f, err)
		}
		if n.String() != n2.String() {
			t.Errorf("%s: round trip differs:\n%s\n%s", f, n, n2)
		}
	}
}

// FuzzWKT checks that the WKT parser never panics, stays within its
// limits, and that what it accepts survives a round trip; and that the CRS
// recogniser does not panic on anything the parser accepts.
func FuzzWKT(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.prj")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`GEOGCS["x",DATUM["VN_2000",SPHEROID["a",6378137,298.257223563],TOWGS84[1,2,3]]]`)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := crs.ParseWKT(s)
		if err != nil {
			return
		}
		out := n.String()
		n2, err := crs.ParseWKT(out)
		if err != nil {
			t.Fatalf("reparse of %q: %v", out, err)
		}
		if n2.String() != out {
			t.Fatalf("round trip %q → %q", out, n2.String())
		}
		_, _ = crs.VN2000(n)
	})
}
