package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// qgisReport is what testdata/qgis_render.py prints.
type qgisReport struct {
	Valid           bool           `json:"valid"`
	ConvertResult   int            `json:"convert_result"`
	ConvertWarnings []string       `json:"convert_warnings"`
	RendererStyles  []string       `json:"renderer_styles"`
	Errors          []string       `json:"errors"`
	Samples         int            `json:"samples"`
	Colours         map[string]int `json:"colours"`
}

// TestQGISRendersDemo follows the README's QGIS how-to with QGIS itself
// (Debian's qgis and python3-qgis, headless): the demo tileset is built
// with `plantile build` and served with `plantile serve`; QGIS opens the XYZ
// vector tile URL, converts the MapLibre style URL with its own converter,
// and renders Son La city. The land-use colours of the style must be on the
// image, which proves QGIS decoded our gzipped tiles and kept the palette.
func TestQGISRendersDemo(t *testing.T) {
	const python = "/usr/bin/python3" // Debian's, where python3-qgis lives
	if _, err := os.Stat("/usr/lib/python3/dist-packages/qgis"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-qgis is required in CI: make deps-test installs it")
		}
		t.Skip("python3-qgis not installed (apt-get install qgis python3-qgis)")
	}
	dir := t.TempDir()
	srcs, _ := filepath.Glob(testdata("sonla", "shp", "*.shp"))
	args := append([]string{"build"}, srcs...)
	args = append(args, testdata("sonla", "boundaries", "boundaries.geojson"), "-o", filepath.Join(dir, "sonla.mbtiles"), "-q")
	if out, err := run(t, args...); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	root := newRootCmd()
	var out, errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--tiles", dir, "--access-log=false"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	addr := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL:\n%s\n%s", out.String(), errOut.String())
		}
	}

	// Son La city centre (DOMAIN.md), 1.5 km across: zoom 15 tiles.
	png := filepath.Join(dir, "qgis.png")
	cmd := exec.Command(python, filepath.Join("testdata", "qgis_render.py"), base, "sonla", "sonla",
		"103.9188", "21.3256", strconv.Itoa(1500), png)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
	cmd.Stderr = &errOut
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("QGIS: %v\n%s", err, errOut.String())
	}
	var rep qgisReport
	if err := json.Unmarshal(lastLine(stdout), &rep); err != nil {
		t.Fatalf("QGIS report: %v\n%s", err, stdout)
	}
	t.Logf("QGIS: %d renderer styles, %d conversion warnings, errors %v", len(rep.RendererStyles), len(rep.ConvertWarnings), rep.Errors)
	if !rep.Valid {
		t.Fatal("QGIS says the vector tile layer is not valid")
	}
	if len(rep.RendererStyles) == 0 {
		t.Fatalf("QGIS converted no style from /styles/sonla.json (warnings %v)", rep.ConvertWarnings)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("QGIS rendering errors: %v", rep.Errors)
	}
	// The palette colours of the style's land-use match, as QGIS paints
	// them: blended over the white background with the layer's opacity.
	var palette struct {
		Categories []struct {
			Code   string `json:"code"`
			Colour string `json:"color"`
		} `json:"categories"`
	}
	readJSON(t, filepath.Join("..", "..", "styles", "landuse.json"), &palette)
	var style struct {
		Layers []struct {
			ID    string                     `json:"id"`
			Paint map[string]json.RawMessage `json:"paint"`
		} `json:"layers"`
	}
	readJSON(t, filepath.Join("..", "..", "styles", "sonla.json"), &style)
	opacity := 1.0
	for _, l := range style.Layers {
		if l.ID == "landuse-fill" && l.Paint["fill-opacity"] != nil {
			if err := json.Unmarshal(l.Paint["fill-opacity"], &opacity); err != nil {
				t.Fatalf("landuse-fill fill-opacity is not a number: %s", l.Paint["fill-opacity"])
			}
		}
	}
	// Several codes share a colour: count each distinct colour once.
	distinct := map[string][3]float64{}
	for _, p := range palette.Categories {
		distinct[strings.ToUpper(p.Colour)] = blend(t, p.Colour, opacity)
	}
	painted, seen := 0, 0
	for _, want := range distinct {
		n := 0
		for c, count := range rep.Colours {
			if near(t, c, want, 3) {
				n += count
			}
		}
		if n > 0 {
			painted += n
			seen++
		}
	}
	share := float64(painted) / float64(rep.Samples)
	t.Logf("land-use colours cover %.0f%% of QGIS's image, in %d palette colours", 100*share, seen)
	if share < 0.3 || seen < 3 {
		t.Errorf("land-use colours cover %.0f%% of QGIS's image in %d palette colours; want at least 30%% and 3 (top colours %v; image %s)",
			100*share, seen, rep.Colours, png)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// rgb parses "#RRGGBB".
func rgb(t *testing.T, s string) [3]float64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 {
		t.Fatalf("bad colour %q", s)
	}
	return [3]float64{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}
}

// blend returns colour c drawn with opacity a over white.
func blend(t *testing.T, c string, a float64) [3]float64 {
	v := rgb(t, c)
	for i := range v {
		v[i] = v[i]*a + 255*(1-a)
	}
	return v
}

func near(t *testing.T, c string, want [3]float64, tol float64) bool {
	v := rgb(t, c)
	for i := range v {
		if d := v[i] - want[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

// lastLine returns the last non-empty line: QGIS may print its own lines
// before the report.
func lastLine(b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return []byte(lines[len(lines)-1])
}
