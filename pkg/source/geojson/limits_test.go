package geojson_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// readWith reads text with opts and returns the features read before the
// first error, and that error (nil at the end).
func readWith(text string, opts geojson.Options) ([]*feature.Feature, error) {
	r := geojson.NewReaderOptions("in.geojson", strings.NewReader(text), opts)
	defer r.Close()
	var out []*feature.Feature
	for {
		f, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func withName(name string) string {
	return `{"type":"Feature","geometry":` + pointA + `,"properties":{"ten":"` + name + `"}}`
}

// TestInvalidUTF8 checks that text that is not UTF-8 is an error naming
// the feature, not silently replaced by U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	latin1 := "M\xf9\xf2ng La" // windows-1258 bytes, not UTF-8
	for _, text := range []string{
		collection(featureA, withName(latin1)),
		collection(featureA, `{"type":"Feature","id":"`+"\xff"+`","geometry":null,"properties":{}}`),
		featureA + "\n" + withName(latin1) + "\n",
	} {
		feats, err := readWith(text, geojson.Options{})
		fe, ok := feature.AsError(err)
		if !ok || fe.Record != 2 || fe.File != "in.geojson" || !strings.Contains(fe.Reason, "invalid UTF-8") {
			t.Errorf("%q: error %v, want invalid UTF-8 in feature 2", text, err)
		}
		if len(feats) != 1 {
			t.Errorf("%d features before the bad one, want 1", len(feats))
		}
	}
	if _, err := readWith(collection(withName("Mường La")), geojson.Options{}); err != nil {
		t.Errorf("valid UTF-8: %v", err)
	}
	// Open (what inspect and build use) refuses the file likewise.
	p := writeFile(t, "latin1.geojson", collection(featureA, withName(latin1)))
	if _, err := geojson.Open(p, geojson.Options{}); err == nil || !strings.Contains(err.Error(), "record 2: invalid UTF-8") {
		t.Errorf("Open: %v", err)
	}
}

// TestLimits checks each limit the GeoJSON reader applies: the error names
// the file, the feature and the flag, and the same input under a raised
// limit reads.
func TestLimits(t *testing.T) {
	bigName := withName(strings.Repeat("x", 2000))
	bigGeom := `{"type":"Feature","geometry":{"type":"LineString","coordinates":[` +
		strings.Repeat("[103.9,21.3],", 5000) + `[104,21]]},"properties":{}}`
	for _, tc := range []struct {
		name   string
		text   string
		lim    feature.Limits
		record int64
		flag   string
	}{
		{"property", collection(featureA, bigName), feature.Limits{PropertyBytes: 1000}, 2, feature.FlagPropertyBytes},
		{"feature text", collection(featureA, bigGeom), feature.Limits{RecordBytes: 10000}, 2, feature.FlagRecordBytes},
		{"feature text in a sequence", featureA + "\n" + bigGeom + "\n", feature.Limits{RecordBytes: 10000}, 2, feature.FlagRecordBytes},
		{"features", collection(featureA, featureA, featureA), feature.Limits{Features: 2}, 3, feature.FlagFeatures},
		{"features in a sequence", featureA + "\n" + featureA + "\n" + featureA + "\n", feature.Limits{Features: 2}, 3, feature.FlagFeatures},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feats, err := readWith(tc.text, geojson.Options{Limits: tc.lim})
			fe, ok := feature.AsError(err)
			if !ok || !errors.Is(err, feature.ErrLimit) || fe.Record != tc.record || fe.File != "in.geojson" || !strings.Contains(err.Error(), tc.flag) {
				t.Fatalf("error %v, want feature %d over %s", err, tc.record, tc.flag)
			}
			if int64(len(feats)) != tc.record-1 {
				t.Errorf("%d features before the limit, want %d", len(feats), tc.record-1)
			}
			if _, err := readWith(tc.text, geojson.Options{}); err != nil {
				t.Errorf("default limits: %v", err)
			}
		})
	}
}

// TestRecordLimitStopsEarly: a feature of endless text is refused after
// about the limit, without reading (or buffering) the rest.
func TestRecordLimitStopsEarly(t *testing.T) {
	endless := io.MultiReader(strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":"`),
		&repeater{b: 'x', n: 1 << 34})
	src := &countingReader{r: endless}
	r := geojson.NewReaderOptions("endless.geojson", src, geojson.Options{Limits: feature.Limits{RecordBytes: 1 << 20}})
	defer r.Close()
	_, err := r.Read()
	if !errors.Is(err, feature.ErrLimit) || !strings.Contains(err.Error(), "endless.geojson: record 1") {
		t.Fatalf("error %v, want record 1 over the record size limit", err)
	}
	if src.n > 4<<20 {
		t.Errorf("read %d bytes before refusing, want about the 1 MiB limit", src.n)
	}
}

type repeater struct {
	b byte
	n int64
}

func (r *repeater) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.n)
	for i := range n {
		p[i] = r.b
	}
	r.n -= n
	return int(n), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
