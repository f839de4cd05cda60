package crs_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// domainSonLa is the PROJ string DOMAIN.md gives for Son La: EPSG:9206
// with EPSG:6960 spelled out.
const domainSonLa = "+proj=tmerc +lat_0=0 +lon_0=104 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs"

// needCS2CS skips the test when cs2cs is missing, except under CI=true,
// where the reference tool must be installed (make test installs it).
func needCS2CS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("cs2cs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cs2cs not found (install proj-bin): the reference comparison cannot run")
		}
		t.Skip("cs2cs not found (install proj-bin)")
	}
}

// cs2cs transforms pts with PROJ's command-line tool. A CRS starting with
// "+" is a PROJ string, passed in cs2cs' "+a +b +to +c" form; anything
// else (EPSG:9206, OGC:CRS84) is passed as one argument.
func cs2cs(t *testing.T, from, to string, pts []orb.Point) []orb.Point {
	t.Helper()
	needCS2CS(t)
	args := []string{"-d", "10"}
	if strings.HasPrefix(from, "+") || strings.HasPrefix(to, "+") {
		args = append(args, strings.Fields(from)...)
		args = append(args, "+to")
		args = append(args, strings.Fields(to)...)
	} else {
		args = append(args, from, to)
	}
	var in bytes.Buffer
	for _, p := range pts {
		fmt.Fprintf(&in, "%.10f %.10f\n", p[0], p[1])
	}
	cmd := exec.Command("cs2cs", args...)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cs2cs %v: %v: %s", args, err, stderr.String())
	}
	var res []orb.Point
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("cs2cs output %q", line)
		}
		x, err1 := strconv.ParseFloat(f[0], 64)
		y, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("cs2cs output %q", line)
		}
		res = append(res, orb.Point{x, y})
	}
	if len(res) != len(pts) {
		t.Fatalf("cs2cs gave %d points for %d", len(res), len(pts))
	}
	return res
}

// metresApart is the distance between two lon/lat points, good to well
// under a millimetre at these separations.
func metresApart(a, b orb.Point) float64 {
	const r = 6371008.8
	dy := (a[1] - b[1]) * math.Pi / 180 * r
	dx := (a[0] - b[0]) * math.Pi / 180 * r * math.Cos(a[1]*math.Pi/180)
	return math.Hypot(dx, dy)
}

// planarApart is the distance between two projected points.
func planarApart(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
