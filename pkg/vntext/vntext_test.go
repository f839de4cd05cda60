package vntext_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

// iconvPath returns glibc's iconv, the reference for TCVN3. It skips the
// test when missing, except in CI (CI=true), where it fails.
func iconvPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("iconv")
	if err == nil {
		err = exec.Command(p, "-f", "TCVN", "-t", "UTF-8", "/dev/null").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("glibc iconv with the TCVN charset is required in CI (Debian libc-bin): %v", err)
		}
		t.Skipf("glibc iconv with TCVN not available: %v", err)
	}
	return p
}

func iconv(t *testing.T, p, from, to string, in []byte) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(p, "-f", from, "-t", to)
	cmd.Stdin = bytes.NewReader(in)
	return cmd.Output()
}

// TestTCVN3MatchesGlibc decodes every byte alone and compares with glibc's
// TCVN5712-1 converter.
func TestTCVN3MatchesGlibc(t *testing.T) {
	p := iconvPath(t)
	var all, order []byte
	for b := 1; b < 256; b++ {
		if b != '\n' {
			all = append(all, byte(b), '\n')
			order = append(order, byte(b))
		}
	}
	out, err := iconv(t, p, "TCVN", "UTF-8", all)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(string(out), "\n")
	if len(want) != len(order)+1 {
		t.Fatalf("glibc returned %d lines for %d bytes", len(want)-1, len(order))
	}
	for i, b := range order {
		got := vntext.TCVN3.Decode([]byte{b})
		if got != norm.NFC.String(want[i]) {
			t.Errorf("byte 0x%02X: %q (%U), glibc %q", b, got, []rune(got), want[i])
		}
	}
}

// TestTCVN3EncodeMatchesGlibc encodes the fixture texts with Encode and
// with iconv -t TCVN, and decodes glibc's bytes back.
func TestTCVN3EncodeMatchesGlibc(t *testing.T) {
	p := iconvPath(t)
	out, err := iconv(t, p, "UTF-8", "TCVN", []byte(strings.Join(allVietnamese, "\n")))
	if err != nil {
		t.Fatalf("iconv: %v", err)
	}
	wants := bytes.Split(out, []byte("\n"))
	if len(wants) != len(allVietnamese) {
		t.Fatalf("glibc returned %d lines for %d texts", len(wants), len(allVietnamese))
	}
	for i, s := range allVietnamese {
		want := wants[i]
		got, err := vntext.Encode(vntext.TCVN3, s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q: Encode % X, glibc % X", s, got, want)
		}
		if dec := vntext.TCVN3.Decode(want); dec != s {
			t.Errorf("glibc bytes of %q decode to %q", s, dec)
		}
	}
}

// vietnameseLetters lists every letter of the alphabet with every tone,
// both cases: 134 lower-case forms and their capitals.
func vietnameseLetters() []string {
	var out []string
	for _, base := range []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"} {
		for _, tone := range []string{"", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"} {
			l := norm.NFC.String(base + tone)
			out = append(out, l, strings.ToUpper(l))
		}
	}
	return append(out, "đ", "Đ")
}

// TestRoundTrip: every Vietnamese letter, alone and inside words, survives
// Encode and Append in both legacy encodings.
func TestRoundTrip(t *testing.T) {
	for _, e := range []vntext.Encoding{vntext.TCVN3, vntext.VNI} {
		for _, s := range append(vietnameseLetters(), allVietnamese...) {
			for _, text := range []string{s, "x" + s + "nh", s + s} {
				b, err := vntext.Encode(e, text)
				if err != nil {
					t.Fatalf("%v: %v", e, err)
				}
				if got := e.Decode(b); got != text {
					t.Errorf("%v: %q -> % X -> %q", e, text, b, got)
				}
			}
		}
	}
}

// TestVNIBytes checks VNI against spellings written down by hand from the
// VNI keyboard tables (and the examples).
func TestVNIBytes(t *testing.T) {
	for _, tc := range []struct{ vni, want string }{
		{"S\xF4n", "Sơn"},                                   // Sôn
		{"\xD1\xF6\xF4\xF8ng", "Đường"},                     // Ñöôøng
		{"Tha\xF8nh pho\xE1 S\xF4n La", "Thành phố Sơn La"}, // Thaønh phoá Sôn La
		{"a\xE1 a\xE9 a\xEA a\xE2 e\xE2 o\xE2", "ấ ắ ă â ê ô"},
		{"\xED \xEC \xE6 \xF3 \xF2 \xEE", "í ì ỉ ĩ ị ỵ"},
		{"\xCD \xCC \xC6 \xD3 \xD2 \xCE", "Í Ì Ỉ Ĩ Ị Ỵ"},
		{"\xD6\xD5 \xD4\xD9 O\xC1 A\xCB", "Ữ Ớ Ố Ặ"},
		{"Nguye\xE3n", "Nguyễn"},
		{"qu\xF4\xFB", "quở"},
		{"a\xE1\xF9", "ấ\xF9"[:len("ấ")] + "ù"}, // a second tone is not a mark
		{"\xF9a", "ùa"},                         // a mark with no letter before it
		{"b\xF8", "bø"},                         // a mark after a consonant
	} {
		if got := vntext.VNI.Decode([]byte(tc.vni)); got != tc.want {
			t.Errorf("VNI % X: %q, want %q", tc.vni, got, tc.want)
		}
	}
}

// TestAppendOutput: every decoder makes valid NFC UTF-8 of any bytes.
func TestAppendOutput(t *testing.T) {
	var all []byte
	for b := range 256 {
		all = append(all, byte(b), 'a', byte(b), byte(255-b))
	}
	for e := vntext.UTF8; e <= vntext.Windows1252; e++ {
		got := e.Append([]byte("x"), all)
		if !utf8.Valid(got) || !norm.NFC.IsNormal(got) || got[0] != 'x' {
			t.Errorf("%v: output not valid NFC UTF-8 or prefix lost", e)
		}
	}
}

func TestParseLegacy(t *testing.T) {
	for in, want := range map[string]vntext.Encoding{
		"tcvn3": vntext.TCVN3, "TCVN": vntext.TCVN3, "TCVN 5712:1993": vntext.TCVN3, "ABC": vntext.TCVN3,
		"vni": vntext.VNI, "VNI-Windows": vntext.VNI, " VNI_WIN ": vntext.VNI,
	} {
		if got, ok := vntext.ParseLegacy(in); !ok || got != want {
			t.Errorf("ParseLegacy(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "UTF-8", "1258", "viscii"} {
		if got, ok := vntext.ParseLegacy(in); ok {
			t.Errorf("ParseLegacy(%q) = %v, want no", in, got)
		}
	}
}

func TestIsSyllable(t *testing.T) {
	for _, w := range []string{
		"thành", "phố", "Sơn", "nghiêng", "NGHIÊNG", "Đường", "quỳnh", "Huyện", "gì", "gìn", "giữa",
		"khuya", "oanh", "chuyện", "Khoong", "Mường", "Ẳng", "y", "Ỷ", "uỷ", "thủy", "lúa", "nước", "Nậm",
		norm.NFD.String("Thuận"), "quốc", "hoá", "hóa", "địch", "quen", "quắt", "quanh", "São", "Sôn",
	} {
		if !vntext.IsSyllable(w) || !vntext.IsSyllable(norm.NFD.String(w)) || !vntext.IsSyllable(norm.NFC.String(w)) {
			t.Errorf("IsSyllable(%q) = false (in some normalisation form)", w)
		}
	}
	for _, w := range []string{
		"", "Thµnh", "phè2", "hơtel", "château", "école", "ghan", "ac", "àc", "thànht", "ấấ", "ruan", "quuan",
		"thàáh", "x̃", "Zürich", "rue", "hotel", "qu", "abcdefghijklmnopqrstuvwxyzabcdefghij",
	} {
		if vntext.IsSyllable(w) {
			t.Errorf("IsSyllable(%q) = true", w)
		}
	}
}
