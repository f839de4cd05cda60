package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

var legacyDir = filepath.Join("..", "..", "testdata", "legacy-encodings")

// TestInspectLegacyEncodings: inspect says which encoding it detected for
// the TCVN3 and VNI districts, why, how surely, and shows a value before
// and after; --encoding names the legacy encodings.
func TestInspectLegacyEncodings(t *testing.T) {
	out, err := run(t, "inspect", "--json",
		filepath.Join(legacyDir, "son_la_districts_vn2000_tm3_tcvn3.shp"),
		filepath.Join(legacyDir, "son_la_districts_vn2000_tm3_vni.shp"))
	if err != nil {
		t.Fatal(err)
	}
	var reps []layerReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(reps) != 2 {
		t.Fatalf("%d layers, want 2", len(reps))
	}
	for i, want := range []string{"TCVN3", "VNI"} {
		r := reps[i]
		d := r.EncodingDetection
		if d == nil || d.Encoding != want || d.Level != "high" || !strings.Contains(d.Reason, want) || d.Field != "ten" || d.Before == d.After || len(d.Candidates) != 5 {
			t.Errorf("%s: encoding %q, detection %+v", r.Name, r.Encoding, d)
		}
		if !strings.HasPrefix(r.Encoding, want+" (detected, confidence ") {
			t.Errorf("%s: encoding %q", r.Name, r.Encoding)
		}
	}
	if d := reps[0].EncodingDetection; d == nil || d.Before != "Thµnh phè S¬n La" || d.After != "Thành phố Sơn La" {
		t.Errorf("TCVN3 sample %+v", d)
	}

	text, err := run(t, "inspect", filepath.Join(legacyDir, "son_la_districts_vn2000_tm3_tcvn3.shp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Encoding:       TCVN3 (detected, confidence 1.00)",
		"  Why:          ",
		"  Confidence:   1.00 (high)",
		`  Sample:       ten: "Thµnh phè S¬n La" -> "Thành phố Sơn La"`,
		"  Candidates:   UTF-8 0/",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("inspect output lacks %q:\n%s", line, text)
		}
	}

	forced, err := run(t, "inspect", "--json", "--encoding", "tcvn3", filepath.Join(legacyDir, "son_la_districts_vn2000_tm3_vni.shp"))
	if err != nil {
		t.Fatal(err)
	}
	reps = nil
	if err := json.Unmarshal([]byte(forced), &reps); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Encoding != "TCVN3 (override)" || reps[0].EncodingDetection != nil {
		t.Errorf("--encoding tcvn3: %+v", reps)
	}
}
