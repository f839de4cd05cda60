package vntext

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep a Detector's work and memory bounded whatever it is fed.
const (
	// MaxWords is how many distinct words with non-ASCII bytes a Detector
	// keeps; later ones are not judged.
	MaxWords = 4096
	// maxWordLen is the longest word, in bytes, that can be one syllable
	// ("nghiêng" is 9 bytes in VNI, 11 in UTF-8); longer ones are counted
	// as failures for every Vietnamese candidate without being decoded.
	maxWordLen = 24
	// fullEvidence is the number of distinct words at which a legacy
	// decision reaches its full confidence; fullEvidenceUTF8 the same for
	// UTF-8, whose validity is itself strong evidence.
	fullEvidence     = 10
	fullEvidenceUTF8 = 3
	// LowConfidence is the confidence under which a decision deserves a
	// warning that suggests naming the encoding.
	LowConfidence = 0.5
)

// Decision thresholds for choosing a Vietnamese legacy encoding over
// Windows-1252: the share of words that must be syllables, how far ahead of
// the next Vietnamese candidate, and how many distinct syllables at least.
const (
	minShare  = 0.6
	minMargin = 0.2
	minValid  = 3
)

// Detector decides the encoding of a set of text values. Feed it with Add
// and ask Result; the zero value is ready to use. It is not safe for
// concurrent use.
type Detector struct {
	words     map[string]bool // distinct words holding non-ASCII bytes
	long      int             // distinct-ish words too long to be a syllable
	dropped   int             // words not kept once MaxWords was reached
	values    int             // values holding non-ASCII bytes
	notUTF8   int             // of those, values that are not UTF-8
	utf8Multi int             // values with multi-byte UTF-8 characters
}

// Add records one value (a field's text, padding removed). filled says
// the value filled its field, so that a UTF-8 value cut inside its last
// character by the field width still counts as UTF-8.
func (d *Detector) Add(value []byte, filled bool) {
	if isASCII(value) && !hasTCVN3Low(value) {
		return
	}
	d.values++
	switch {
	case isASCII(value):
		// Only TCVN3's capitals among the control codes: says nothing
		// about UTF-8.
	case utf8.Valid(value) || filled && validButCut(value):
		d.utf8Multi++
	default:
		d.notUTF8++
	}
	if d.words == nil {
		d.words = map[string]bool{}
	}
	for rest := value; len(rest) > 0; {
		var w []byte
		w, rest = nextWord(rest)
		d.addWord(w)
	}
}

// addWord keeps one word if it holds non-ASCII bytes.
func (d *Detector) addWord(w []byte) {
	if len(w) == 0 || isASCII(w) && !hasTCVN3Low(w) {
		return
	}
	switch {
	case len(w) > maxWordLen:
		d.long++
	case d.words[string(w)]:
	case len(d.words) >= MaxWords:
		d.dropped++
	default:
		d.words[string(w)] = true
	}
}

// nextWord returns the first word of b and what follows it; words are cut
// at ASCII bytes that are not letters (spaces, digits, punctuation), which
// separate words in every candidate encoding.
func nextWord(b []byte) (word, rest []byte) {
	i := 0
	for i < len(b) && isSeparator(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSeparator(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func isSeparator(c byte) bool {
	return c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') && !isTCVN3LowByte(c)
}

func isTCVN3LowByte(c byte) bool {
	return c < 0x20 && tcvn3Table[c] >= 0x80
}

func hasTCVN3Low(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && isTCVN3LowByte(c) {
			return true
		}
	}
	return false
}

// validButCut reports whether b is valid UTF-8 but for an incomplete
// character at its very end.
func validButCut(b []byte) bool {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) && !utf8.FullRune(b[len(b)-i:]) {
			return true
		}
	}
	return false
}

// Score is how one candidate encoding reads the words a Detector saw.
type Score struct {
	Encoding Encoding
	// Valid is how many distinct words decode to a Vietnamese syllable
	// that Windows-1252 does not read the same (for Windows-1252 itself:
	// how many decode to letters only, as Latin-script words do).
	Valid int
	// Same is how many distinct words decode to a syllable exactly as
	// Windows-1252 reads them ("Lé", "Hà"): they tell nothing.
	Same int
	// Words is how many distinct words with non-ASCII bytes were judged.
	Words int
}

// Share is Valid out of the words that tell something (Words - Same), or
// 0 with none.
func (s Score) Share() float64 {
	if s.Words-s.Same <= 0 {
		return 0
	}
	return float64(s.Valid) / float64(s.Words-s.Same)
}

// Detection is a Detector's decision.
type Detection struct {
	// Encoding is the encoding chosen.
	Encoding Encoding
	// Confidence is between 0 and 1; under LowConfidence the caller should
	// warn and suggest naming the encoding.
	Confidence float64
	// Reason says in words why Encoding was chosen.
	Reason string
	// ASCII is true when no value held a non-ASCII byte: every candidate
	// reads the text the same.
	ASCII bool
	// Alternative, when Encoding is Windows1252 but a Vietnamese encoding
	// fits the few words there are, names it (a warning should suggest
	// it); else it is UTF8, the zero value.
	Alternative Encoding
	// Scores holds every candidate's score, in the order UTF-8,
	// windows-1258, TCVN3, VNI, windows-1252.
	Scores []Score
}

// Level names a confidence: "high" from 0.8, "medium" from LowConfidence,
// else "low".
func Level(confidence float64) string {
	switch {
	case confidence >= 0.8:
		return "high"
	case confidence >= LowConfidence:
		return "medium"
	}
	return "low"
}

// Result decides from what was added so far.
func (d *Detector) Result() Detection {
	det := d.result()
	if d.dropped > 0 {
		det.Reason += fmt.Sprintf(" (%d more words past the first %d were not judged)", d.dropped, MaxWords)
	}
	return det
}

func (d *Detector) result() Detection {
	if d.values == 0 {
		return Detection{Encoding: UTF8, Confidence: 1, ASCII: true,
			Reason: "the text is ASCII, which every candidate reads the same"}
	}
	n := len(d.words) + d.long
	scores := make([]Score, numEncodings)
	for e := range numEncodings {
		scores[e] = Score{Encoding: e, Words: n}
	}
	var buf, latin []byte
	for w := range d.words {
		b := []byte(w)
		if utf8.Valid(b) && IsSyllable(w) {
			scores[UTF8].Valid++
		}
		latin = Windows1252.Append(latin[:0], b)
		if latinWord(string(latin)) {
			scores[Windows1252].Valid++
		}
		for _, e := range []Encoding{Windows1258, TCVN3, VNI} {
			buf = e.Append(buf[:0], b)
			switch {
			case !IsSyllable(string(buf)):
			case string(buf) == string(latin):
				scores[e].Same++
			default:
				scores[e].Valid++
			}
		}
	}
	det := Detection{Scores: scores}
	if d.notUTF8 == 0 {
		det.Encoding = UTF8
		det.Confidence = evidence(n, fullEvidenceUTF8)
		det.Reason = fmt.Sprintf("all %d values with non-ASCII bytes are valid UTF-8 (%d distinct words, %d of them Vietnamese syllables)",
			d.values, n, scores[UTF8].Valid)
		return det
	}
	if d.utf8Multi >= minValid && d.utf8Multi >= 9*d.notUTF8 {
		// A few stray bytes in a UTF-8 table (a value pasted from
		// elsewhere): legacy text is almost never valid UTF-8, so keep
		// UTF-8; the caller reads the odd values as windows-1252.
		det.Encoding = UTF8
		share := float64(d.utf8Multi) / float64(d.utf8Multi+d.notUTF8)
		det.Confidence = evidence(n, fullEvidenceUTF8) * share
		det.Reason = fmt.Sprintf("%d of %d values with non-ASCII bytes are valid UTF-8 (%d distinct words, %d of them Vietnamese syllables); the %d others are read as windows-1252",
			d.utf8Multi, d.utf8Multi+d.notUTF8, n, scores[UTF8].Valid, d.notUTF8)
		return det
	}
	// Not UTF-8: one of the single-byte candidates.
	cands := []Encoding{Windows1258, TCVN3, VNI}
	sort.SliceStable(cands, func(i, j int) bool { return scores[cands[i]].Share() > scores[cands[j]].Share() })
	best, second, last := cands[0], cands[1], cands[2]
	share, margin := scores[best].Share(), scores[best].Share()-scores[second].Share()
	others := fmt.Sprintf("%v %d, %v %d", second, scores[second].Valid, last, scores[last].Valid)
	notUTF8 := fmt.Sprintf("%d of %d values with non-ASCII bytes are not UTF-8", d.notUTF8, d.values)
	fits := share >= minShare && margin >= minMargin && scores[best].Valid >= minValid
	conf := share * evidence(scores[best].Valid, fullEvidence) * min(1, margin/0.4)
	if fits && conf >= LowConfidence {
		det.Encoding = best
		det.Confidence = conf
		det.Reason = fmt.Sprintf("%s; %d of %d distinct words with non-ASCII bytes are Vietnamese syllables in %v (%s)",
			notUTF8, scores[best].Valid, n-scores[best].Same, best, others)
		return det
	}
	det.Encoding = Windows1252
	w := scores[Windows1252]
	det.Confidence = evidence(n, fullEvidence) * min(1-share, w.Share())
	if share >= minShare && scores[best].Valid > 0 {
		// Too few words to switch, but the caller's warning should
		// name the encoding that fits.
		det.Alternative = best
		det.Confidence = min(det.Confidence, LowConfidence-0.01)
		det.Reason = fmt.Sprintf("%s; %d of %d words are Vietnamese syllables in %v, too few to be sure, so the text is left as windows-1252",
			notUTF8, scores[best].Valid, n-scores[best].Same, best)
		return det
	}
	det.Reason = fmt.Sprintf("%s and no Vietnamese encoding fits (best: %v, %d of %d words are syllables); %d of %d words read as Latin-script words in windows-1252",
		notUTF8, best, scores[best].Valid, n-scores[best].Same, w.Valid, n)
	return det
}

func evidence(n, full int) float64 { return min(1, float64(n)/float64(full)) }

// latinWord reports whether a Windows-1252 reading of a word is made of
// letters only, as a French, Spanish or German word is; TCVN3 and VNI read
// as Windows-1252 often hold symbols (¬ ¶ µ ±) inside words.
func latinWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) || strings.ContainsRune("µªº", r) {
			return false
		}
	}
	return true
}
