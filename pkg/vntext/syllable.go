package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// initials are the consonants a Vietnamese syllable may start with, longest
// first so that "ngh" is tried before "ng" and "n".
var initials = []string{
	"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
	"b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
}

// rhymes are the Vietnamese rhymes (vần) without tone: an optional medial
// o/u, the main vowel or vowel cluster and an optional final consonant or
// semivowel. Written without tone marks, in NFC.
var rhymes = func() map[string]bool {
	list := strings.Fields(`
		a ac ach ai am an ang anh ao ap at au ay
		ăc ăm ăn ăng ăp ăt
		âc âm ân âng âp ât âu ây
		e ec em en eng eo ep et
		ê êch êm ên ênh êp êt êu
		i ia ich im in inh ip it iu
		iêc iêm iên iêng iêp iêt iêu
		o oc oi om on ong op ot ooc oong
		ô ôc ôi ôm ôn ông ôp ôt
		ơ ơi ơm ơn ơp ơt
		u ua uc ui um un ung up ut
		uôc uôi uôm uôn uông uôt
		ư ưa ưc ưi ưm ưn ưng ưt ưu
		ươc ươi ươm ươn ương ươp ươt ươu
		y yêm yên yêng yêt yêu
		oa oac oach oai oam oan oang oanh oao oap oat oay
		oăc oăm oăn oăng oăt
		oe oen oeo oet
		uân uâng uât uây
		uê uêch uên uênh uêt uêu
		uy uya uych uyn uynh uyp uyt uyu uyên uyêt
		uơ
	`)
	m := make(map[string]bool, len(list))
	for _, r := range list {
		m[r] = true
	}
	return m
}()

// quRhymes are the rhymes with a medial u before a, ă or e, which only
// follow q ("quan", "quắt", "quen"); "ua" alone is also the diphthong of
// "mua" and is among rhymes.
var quRhymes = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range strings.Fields(`uac uach uai uan uang uanh uao uat uay uăc uăm uăn uăng uăt ue uen ueo uet`) {
		m[r] = true
	}
	return m
}()

// stops are the finals after which only the acute and the dot-below tones
// occur.
func stopFinal(rhyme string) bool {
	return strings.HasSuffix(rhyme, "p") || strings.HasSuffix(rhyme, "t") ||
		strings.HasSuffix(rhyme, "c") || strings.HasSuffix(rhyme, "ch")
}

// IsSyllable reports whether word, in any case and normalisation form, is
// one Vietnamese syllable: an initial consonant, a rhyme of the language
// and at most one tone mark, with the acute or dot-below tone on a
// syllable ending in p, t, c or ch. It is a spelling check, not a
// dictionary: "thành" and "nghiêng" pass, "thµnh", "hơtel" and "châteu"
// do not.
func IsSyllable(word string) bool {
	if word == "" || len(word) > 32 {
		return false
	}
	s, tone, ok := splitTone(word)
	if !ok {
		return false
	}
	for _, ini := range initials {
		rest, ok := strings.CutPrefix(s, ini)
		if !ok {
			continue
		}
		if ini == "gi" && (rest == "" || !startsWithVowel(rest)) {
			// "gì", "gìn": the i is the vowel.
			rest = "i" + rest
		}
		if ini == "qu" {
			// q is always followed by the medial u.
			rest = "u" + rest
			if rest == "u" || !rhymes[rest] && !quRhymes[rest] {
				continue
			}
		} else if !rhymes[rest] {
			continue
		}
		if (ini == "gh" || ini == "ngh") && !strings.ContainsAny(rest[:1], "eêi") && !strings.HasPrefix(rest, "ê") {
			continue
		}
		if stopFinal(rest) && tone != 0 && tone != acute && tone != dotBelow {
			continue
		}
		if stopFinal(rest) && tone == 0 {
			continue
		}
		return true
	}
	return false
}

// toneParts maps each lower-case precomposed Vietnamese vowel to the
// vowel without tone (shape kept: ă â ê ô ơ ư) and its tone mark, so that
// NFC words are split without the norm tables.
var toneParts = func() map[rune][2]rune {
	m := map[rune][2]rune{}
	for _, base := range "aăâeêioôơuưy" {
		for _, tone := range []rune{0, grave, acute, tilde, hook, dotBelow} {
			c := []rune(norm.NFC.String(string(base) + string(tone)))
			if len(c) == 1 && tone != 0 {
				m[c[0]] = [2]rune{base, tone}
			} else if tone == 0 && base >= 0x80 {
				m[base] = [2]rune{base, 0}
			}
		}
	}
	return m
}()

// splitTone lower-cases word and takes its tone mark off; ok is false when
// it holds anything but Vietnamese letters or more than one tone.
func splitTone(word string) (s string, tone rune, ok bool) {
	var buf [64]byte
	b := buf[:0]
	for _, r := range word {
		if r >= 0x300 && r <= 0x36F {
			// Combining marks: decomposed input, take the general way.
			return splitToneNFD(word)
		}
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z' || r == 'đ':
			b = utf8.AppendRune(b, r)
		default:
			p, found := toneParts[r]
			if !found || p[1] != 0 && tone != 0 {
				return "", 0, false
			}
			if p[1] != 0 {
				tone = p[1]
			}
			b = utf8.AppendRune(b, p[0])
		}
	}
	return string(b), tone, true
}

// splitToneNFD is splitTone for any normalisation form.
func splitToneNFD(word string) (string, rune, bool) {
	var b strings.Builder
	var tone rune
	for _, r := range norm.NFD.String(word) {
		switch r {
		case grave, acute, tilde, hook, dotBelow:
			if tone != 0 {
				return "", 0, false
			}
			tone = r
			continue
		case circumflex, breve, horn:
			b.WriteRune(r)
			continue
		}
		r = unicode.ToLower(r)
		if (r < 'a' || r > 'z') && r != 'đ' {
			return "", 0, false
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String()), tone, true
}

func startsWithVowel(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("aăâeêioôơuưy", r)
}
