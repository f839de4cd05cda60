package vntext_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpora in testdata/fuzz from the fixture texts")

// writeCorpus writes one seed in the "go test fuzz v1" format.
func writeCorpus(t *testing.T, target, name string, args ...any) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case byte:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteCorpus regenerates the seed corpora with -update-corpus; without
// the flag it checks they are there, so the fuzz targets replay them.
func TestWriteCorpus(t *testing.T) {
	targets := []string{"FuzzDetect", "FuzzDecode", "FuzzEncode"}
	if !*updateCorpus {
		for _, target := range targets {
			m, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
			if len(m) < 5 {
				t.Errorf("%s: %d seeds in testdata/fuzz; run go test -run TestWriteCorpus -update-corpus", target, len(m))
			}
		}
		return
	}
	sets := map[string][]string{"districts": districts, "streets": streets, "landuse": landUse,
		"capitals": capitals, "numbers": numbers, "sentences": sentences, "western": western, "westernshort": westernShort}
	for name, texts := range sets {
		for _, e := range []vntext.Encoding{vntext.UTF8, vntext.Windows1258, vntext.TCVN3, vntext.VNI, vntext.Windows1252} {
			vals, err := encodeAll(e, texts)
			if err != nil {
				continue // Western names have no TCVN3 or VNI form
			}
			joined := bytes.Join(vals, []byte{0})
			writeCorpus(t, "FuzzDetect", name+"-"+e.String(), joined)
			writeCorpus(t, "FuzzDecode", name+"-"+e.String(), byte(e), joined)
		}
		writeCorpus(t, "FuzzEncode", name, byte(vntext.TCVN3), strings.Join(texts, "\n"))
		writeCorpus(t, "FuzzEncode", name+"-vni", byte(vntext.VNI), strings.Join(texts, "\n"))
	}
}

// FuzzDetect feeds values (separated by NUL bytes) to a Detector: it must
// not panic, must answer with a known encoding, a confidence in [0, 1] and
// a reason, and must not depend on the order of the values.
func FuzzDetect(f *testing.F) {
	f.Add([]byte("Th\xB5nh ph\xE8 S\xACn La\x00Tha\xF8nh pho\xE1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vals := bytes.Split(data, []byte{0})
		var d, r vntext.Detector
		for i := range vals {
			d.Add(vals[i], false)
			r.Add(vals[len(vals)-1-i], false)
		}
		got := d.Result()
		if got.Encoding < vntext.UTF8 || got.Encoding > vntext.Windows1252 || got.Confidence < 0 || got.Confidence > 1 || got.Reason == "" {
			t.Fatalf("%+v", got)
		}
		// Past MaxWords distinct words, which are kept depends on order.
		if rev := r.Result(); len(data) < 2*vntext.MaxWords && (rev.Encoding != got.Encoding || rev.Confidence != got.Confidence) {
			t.Fatalf("order matters: %v %.3f, reversed %v %.3f", got.Encoding, got.Confidence, rev.Encoding, rev.Confidence)
		}
	})
}

// FuzzDecode: every decoder turns any bytes into valid NFC UTF-8; for the
// legacy encodings, what Encode can write back decodes to the same text.
func FuzzDecode(f *testing.F) {
	f.Add(byte(vntext.VNI), []byte("\xD1\xF6\xF4\xF8ng"))
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		e := vntext.Encoding(int(which) % 5)
		s := e.Decode(data)
		if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
			t.Fatalf("%v: %q decodes to %q, not valid NFC UTF-8", e, data, s)
		}
		if vntext.IsSyllable(s) != vntext.IsSyllable(norm.NFD.String(s)) {
			t.Fatalf("IsSyllable(%q) depends on the normalisation form", s)
		}
		if e != vntext.TCVN3 && e != vntext.VNI {
			return
		}
		if b, err := vntext.Encode(e, s); err == nil {
			if again := e.Decode(b); again != s {
				t.Fatalf("%v: %q -> %q -> % X -> %q", e, data, s, b, again)
			}
		}
	})
}

// FuzzEncode: text that Encode accepts decodes back to its NFC form.
func FuzzEncode(f *testing.F) {
	f.Add(byte(vntext.TCVN3), "Đường Tô Hiệu")
	f.Fuzz(func(t *testing.T, which byte, s string) {
		e := vntext.TCVN3
		if which%2 == 1 {
			e = vntext.VNI
		}
		b, err := vntext.Encode(e, s)
		if err != nil {
			return
		}
		if got, want := e.Decode(b), norm.NFC.String(s); got != want {
			t.Fatalf("%v: %q -> % X -> %q", e, s, b, got)
		}
	})
}
