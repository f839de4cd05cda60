package vntext_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

// Texts the fixtures are made from (testdata/vntext/texts.json): district
// and street names, the land-use names of DOMAIN.md section 2, capitals,
// numbers and long sentences; and French, Spanish, German and English
// names, as Windows-1252 holds them, which must not be read as Vietnamese.
var (
	texts         = loadTexts()
	districts     = texts["districts"]
	streets       = texts["streets"]
	landUse       = texts["landUse"]
	capitals      = texts["capitals"]
	numbers       = texts["numbers"]
	sentences     = texts["sentences"]
	western       = texts["western"]
	english       = texts["english"]
	westernShort  = texts["westernShort"]
	allVietnamese = concat(districts, streets, landUse, capitals, numbers, sentences)
)

func loadTexts() map[string][]string {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vntext", "texts.json"))
	if err != nil {
		panic(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		panic(err)
	}
	out := map[string][]string{}
	for k, v := range raw {
		var list []string
		if json.Unmarshal(v, &list) == nil {
			out[k] = list
		}
	}
	for _, k := range []string{"districts", "streets", "landUse", "capitals", "numbers", "sentences", "western", "english", "westernShort"} {
		if len(out[k]) == 0 {
			panic("testdata/vntext/texts.json has no " + k)
		}
	}
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// encode1258 writes s in Windows-1258 as Windows writes it: the letters
// the code page has whole (â ê ô ơ ư ă đ and some toned ones) as one
// byte, and a tone the letter lacks as a combining byte after it.
func encode1258(s string) ([]byte, error) {
	enc := charmap.Windows1258
	var out []byte
	for _, r := range norm.NFC.String(s) {
		if b, ok := enc.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		var rest, tones []rune
		for _, m := range norm.NFD.String(string(r)) {
			if strings.ContainsRune("\u0300\u0301\u0303\u0309\u0323", m) {
				tones = append(tones, m)
			} else {
				rest = append(rest, m)
			}
		}
		base := []rune(norm.NFC.String(string(rest)))
		bb, ok1 := enc.EncodeRune(base[0])
		if len(base) != 1 || len(tones) != 1 || !ok1 {
			return nil, fmt.Errorf("%q has no windows-1258 code", r)
		}
		mb, ok2 := enc.EncodeRune(tones[0])
		if !ok2 {
			return nil, fmt.Errorf("%q has no windows-1258 code", r)
		}
		out = append(out, bb, mb)
	}
	return out, nil
}

// encodeAll writes texts in e (TCVN3, VNI, windows-1258 or -1252).
func encodeAll(e vntext.Encoding, texts []string) ([][]byte, error) {
	var out [][]byte
	for _, s := range texts {
		var b []byte
		var err error
		switch e {
		case vntext.Windows1258:
			b, err = encode1258(s)
		case vntext.Windows1252:
			b, err = charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		case vntext.UTF8:
			b = []byte(s)
		default:
			b, err = vntext.Encode(e, s)
		}
		if err != nil {
			return nil, fmt.Errorf("%v: %q: %w", e, s, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func join(texts []string) string { return strings.Join(texts, " | ") }
