package vntext_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

func detect(values [][]byte) vntext.Detection {
	var d vntext.Detector
	for _, v := range values {
		d.Add(v, false)
	}
	return d.Result()
}

// TestDetect encodes each text set in each encoding and checks the
// detector names it, with at least the given confidence.
func TestDetect(t *testing.T) {
	sets := map[string][]string{
		"districts": districts, "streets": streets, "land use": landUse, "capitals": capitals,
		"numbers": numbers, "sentences": sentences, "all": allVietnamese,
	}
	for name, texts := range sets {
		for _, e := range []vntext.Encoding{vntext.UTF8, vntext.Windows1258, vntext.TCVN3, vntext.VNI} {
			values, err := encodeAll(e, texts)
			if err != nil {
				t.Fatal(err)
			}
			got := detect(values)
			if got.Encoding != e || got.Confidence < vntext.LowConfidence {
				t.Errorf("%s in %v: detected %v with confidence %.2f: %s", name, e, got.Encoding, got.Confidence, got.Reason)
			}
			if got.Confidence < 0 || got.Confidence > 1 || got.Reason == "" || len(got.Scores) != 5 {
				t.Errorf("%s in %v: confidence %.2f, reason %q, %d scores", name, e, got.Confidence, got.Reason, len(got.Scores))
			}
		}
	}
}

// TestDetectLeavesWesternAlone: French, Spanish, German names in
// Windows-1252 stay Windows-1252, with a confident decision; ASCII is
// ASCII.
func TestDetectLeavesWesternAlone(t *testing.T) {
	values, err := encodeAll(vntext.Windows1252, append(western, english...))
	if err != nil {
		t.Fatal(err)
	}
	got := detect(values)
	if got.Encoding != vntext.Windows1252 || got.Confidence < vntext.LowConfidence {
		t.Errorf("Western names: detected %v with confidence %.2f: %s", got.Encoding, got.Confidence, got.Reason)
	}
	// One at a time too: a lone French name must not turn Vietnamese.
	for i, v := range values {
		if got := detect(values[i : i+1]); got.Encoding.Vietnamese() {
			t.Errorf("%q alone: detected %v (%s)", v, got.Encoding, got.Reason)
		}
	}
	ascii, _ := encodeAll(vntext.Windows1252, english)
	got = detect(ascii)
	if !got.ASCII || got.Encoding != vntext.UTF8 || got.Confidence != 1 {
		t.Errorf("ASCII names: %+v", got)
	}
	// UTF-8 French is UTF-8.
	utf, _ := encodeAll(vntext.UTF8, western)
	if got := detect(utf); got.Encoding != vntext.UTF8 {
		t.Errorf("UTF-8 Western names: detected %v: %s", got.Encoding, got.Reason)
	}
}

// TestDetectLowEvidence: a layer with one Vietnamese word is left as
// Windows-1252, with a low confidence; a few words name the encoding that
// fits as the alternative to suggest.
func TestDetectLowEvidence(t *testing.T) {
	for _, e := range []vntext.Encoding{vntext.TCVN3, vntext.VNI} {
		values, err := encodeAll(e, []string{"Sơn La"})
		if err != nil {
			t.Fatal(err)
		}
		got := detect(values)
		if got.Confidence >= vntext.LowConfidence {
			t.Errorf("one word in %v: detected %v with confidence %.2f, want low", e, got.Encoding, got.Confidence)
		}
		if vntext.Level(got.Confidence) != "low" {
			t.Errorf("level %q", vntext.Level(got.Confidence))
		}
		if got.Encoding != vntext.Windows1252 {
			t.Errorf("one word in %v: detected %v, want windows-1252 (too few words to switch)", e, got.Encoding)
		}
	}
}

// TestDetectMixed: a TCVN3 table with a few VNI values still reads as
// TCVN3, the share of syllables says so.
func TestDetectMixed(t *testing.T) {
	tc, _ := encodeAll(vntext.TCVN3, allVietnamese)
	vn, _ := encodeAll(vntext.VNI, districts[:2])
	got := detect(append(tc, vn...))
	if got.Encoding != vntext.TCVN3 {
		t.Errorf("mostly TCVN3: %v: %s", got.Encoding, got.Reason)
	}
	if !strings.Contains(got.Reason, "TCVN3") {
		t.Errorf("reason %q does not name TCVN3", got.Reason)
	}
}

// TestDetectBounded: a detector fed far more distinct words than it keeps
// still decides, from the words it kept.
func TestDetectBounded(t *testing.T) {
	var d vntext.Detector
	vals, _ := encodeAll(vntext.VNI, allVietnamese)
	for i := range 3 * vntext.MaxWords {
		d.Add(vals[i%len(vals)], false)
		d.Add([]byte(strings.Repeat("\xE9", 1+i%40)+"x"+string(rune('a'+i%26))), i%2 == 0)
	}
	got := d.Result()
	if got.Scores[0].Words > vntext.MaxWords+3*vntext.MaxWords {
		t.Errorf("%d words judged", got.Scores[0].Words)
	}
}

func BenchmarkDetect(b *testing.B) {
	vals, _ := encodeAll(vntext.TCVN3, allVietnamese)
	b.ReportAllocs()
	for b.Loop() {
		var d vntext.Detector
		for _, v := range vals {
			d.Add(v, false)
		}
		d.Result()
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, e := range []vntext.Encoding{vntext.TCVN3, vntext.VNI, vntext.Windows1258} {
		vals, _ := encodeAll(e, sentences)
		b.Run(e.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				for _, v := range vals {
					buf = e.Append(buf[:0], v)
				}
			}
		})
	}
}

// TestDetectUTF8WithStrays: a UTF-8 table with one value in windows-1252
// stays UTF-8 (the reader decodes that value alone as windows-1252).
func TestDetectUTF8WithStrays(t *testing.T) {
	vals, _ := encodeAll(vntext.UTF8, allVietnamese)
	stray, _ := encodeAll(vntext.Windows1252, western[:1])
	got := detect(append(vals, stray...))
	if got.Encoding != vntext.UTF8 || got.Confidence < 0.8 {
		t.Errorf("UTF-8 with a stray value: %v %.2f: %s", got.Encoding, got.Confidence, got.Reason)
	}
	// Half and half is not UTF-8.
	tc, _ := encodeAll(vntext.TCVN3, allVietnamese)
	if got := detect(append(vals[:5], tc...)); got.Encoding == vntext.UTF8 {
		t.Errorf("mostly TCVN3: %v: %s", got.Encoding, got.Reason)
	}
}

func TestDetectAlternative(t *testing.T) {
	vals, _ := encodeAll(vntext.VNI, []string{"Bản Lầm", "Chiềng Đen"})
	got := detect(vals)
	if got.Encoding != vntext.Windows1252 || got.Alternative != vntext.VNI || got.Confidence >= vntext.LowConfidence {
		t.Errorf("four VNI words: %v (alternative %v) %.2f: %s", got.Encoding, got.Alternative, got.Confidence, got.Reason)
	}
}

// TestDetectShortWesternLayers: tiny layers of short French, Portuguese,
// Spanish or Nordic names, the hardest case, are never read as
// Vietnamese: every pair, and random triples (the seed is printed; SEED
// sets it).
func TestDetectShortWesternLayers(t *testing.T) {
	v, err := encodeAll(vntext.Windows1252, westernShort)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		for j := i + 1; j < len(v); j++ {
			if got := detect([][]byte{v[i], v[j]}); got.Encoding.Vietnamese() {
				t.Errorf("%q + %q: %v (%.2f)", westernShort[i], westernShort[j], got.Encoding, got.Confidence)
			}
		}
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv("SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("SEED=%q: %v", v, err)
		}
	}
	t.Logf("seed %d (set SEED to repeat)", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))
	for range 3000 {
		i, j, k := rnd.IntN(len(v)), rnd.IntN(len(v)), rnd.IntN(len(v))
		if got := detect([][]byte{v[i], v[j], v[k]}); got.Encoding.Vietnamese() {
			t.Errorf("seed %d: %q + %q + %q: %v (%.2f)", seed, westernShort[i], westernShort[j], westernShort[k], got.Encoding, got.Confidence)
		}
	}
}
