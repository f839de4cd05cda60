package shapefile

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestIsNFC checks the fast path against the norm tables.
func TestIsNFC(t *testing.T) {
	for _, s := range []string{
		"", "Son La", "Mộc Châu", "Thuận Châu", "Sốp Cộp", "México", "Москва", "北京",
		norm.NFD.String("Mộc Châu"), "Mo\u0323\u0302c", "e\u0301", "\u1E9B\u0323", "\u1EF9", "ẞ",
		"\u0041\u030A", "\u212B", "\uFB1D", "가", "\u1100\u1161",
	} {
		if got, want := isNFC([]byte(s)), norm.NFC.IsNormalString(s); got != want {
			t.Errorf("isNFC(%q) = %v, norm says %v", s, got, want)
		}
	}
}

func TestLookupEncoding(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"UTF-8", "UTF-8"}, {"utf8", "UTF-8"}, {"1258", "windows-1258"}, {"CP1258", "windows-1258"},
		{"windows-1258", "windows-1258"}, {"ANSI 1252", "windows-1252"}, {"88591", "ISO-8859-1"},
		{"ISO-8859-1", "ISO-8859-1"}, {"88595", "ISO-8859-5"}, {"LDID/87", "windows-1252"},
		{"866", "IBM866"}, {"936", "GBK"}, {"Big5", "Big5"}, {"\ufeffUTF-8\r\n", "UTF-8"},
		{"tcvn3", "TCVN3"}, {"TCVN 5712:1993", "TCVN3"}, {"VNI", "VNI"}, {"vni-windows\n", "VNI"},
	} {
		name, _, err := lookupEncoding(tc.in)
		if err != nil || name != tc.want {
			t.Errorf("lookupEncoding(%q) = %q, %v; want %q", tc.in, name, err, tc.want)
		}
	}
	for _, bad := range []string{"KLINGON", "737", "LDID/999", ""} {
		if name, _, err := lookupEncoding(bad); err == nil {
			t.Errorf("lookupEncoding(%q) = %q, want an error", bad, name)
		}
	}
}
