package feature_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
)

func TestLimitsOrDefault(t *testing.T) {
	d := feature.DefaultLimits()
	if got := (feature.Limits{}).OrDefault(); got != d {
		t.Errorf("zero Limits → %+v, want the defaults %+v", got, d)
	}
	got := feature.Limits{RecordBytes: 10, Vertices: -1}.OrDefault()
	if got.RecordBytes != 10 || got.Vertices != d.Vertices || got.ZipRatio != d.ZipRatio {
		t.Errorf("partial Limits → %+v", got)
	}
}

func TestOverLimit(t *testing.T) {
	l := feature.DefaultLimits()
	err := feature.OverLimit("a.zip/b.shp", 7, l.RecordLimit(1<<31), "the record declares %d bytes", 1<<31)
	want := "a.zip/b.shp: record 7: the record declares 2147483648 bytes: over the record size limit of 67108864 bytes (raise it with --max-record-bytes)"
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if !errors.Is(err, feature.ErrLimit) {
		t.Error("errors.Is(err, ErrLimit) is false")
	}
	var le *feature.LimitError
	if !errors.As(err, &le) || le.Flag != feature.FlagRecordBytes || le.Value != 1<<31 {
		t.Errorf("LimitError %+v", le)
	}
	if errors.Is(feature.Errorf("x", 1, "bad"), feature.ErrLimit) {
		t.Error("an ordinary *Error is a limit error")
	}
	if r := l.ZipRatioLimit(1000).Error(); !strings.Contains(r, "ratio limit of 250 (raise") {
		t.Errorf("ratio wording %q", r)
	}
}
