package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// addLimitFlags registers the reading limits (feature.Limits) on fs, with
// their defaults, for inspect, export and build alike.
func addLimitFlags(fs *pflag.FlagSet, l *feature.Limits) {
	*l = feature.DefaultLimits()
	flag := func(p *int64, name, usage string, size bool) {
		fs.Var(&limitValue{p: p, size: size}, strings.TrimPrefix(name, "--"), usage)
	}
	flag(&l.RecordBytes, feature.FlagRecordBytes, "largest record: one .shp record or one GeoJSON feature's text, e.g. 64MiB", true)
	flag(&l.BadRecords, feature.FlagBadRecords, "bad records skipped before a read stops", false)
	flag(&l.ZipBytes, feature.FlagZipBytes, "largest total uncompressed size of a .zip's entries, e.g. 4GiB", true)
	flag(&l.ZipEntries, feature.FlagZipEntries, "most entries in a .zip", false)
	flag(&l.ZipRatio, feature.FlagZipRatio, "largest compression ratio of a .zip entry over 1 MiB", false)
	flag(&l.Features, feature.FlagFeatures, "most features in one layer", false)
	flag(&l.Vertices, feature.FlagVertices, "most vertices in one feature (more: a bad record)", false)
	flag(&l.PropertyBytes, feature.FlagPropertyBytes, "largest property value, e.g. 1MiB (more: an error naming the feature)", true)
}

// limitValue is a positive integer flag; sizes also take a binary unit
// suffix (KiB, MiB, GiB) or a decimal one (kB, MB, GB).
type limitValue struct {
	p    *int64
	size bool
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

func (v *limitValue) String() string {
	if v.p == nil {
		return "0"
	}
	if v.size {
		for _, u := range sizeUnits[:3] {
			if n := *v.p; n >= u.mult && n%u.mult == 0 && (u.mult == 1<<30 || n%(u.mult<<10) != 0) {
				return fmt.Sprintf("%d%s", n/u.mult, u.suffix)
			}
		}
	}
	return strconv.FormatInt(*v.p, 10)
}

func (v *limitValue) Set(s string) error {
	mult := int64(1)
	num := strings.TrimSpace(s)
	if v.size {
		for _, u := range sizeUnits {
			if strings.HasSuffix(num, u.suffix) {
				num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
				break
			}
		}
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(num, "_", ""), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a positive whole number%s, got %q", map[bool]string{true: " with an optional unit (KiB, MiB, GiB)"}[v.size], s)
	}
	*v.p = n * mult
	return nil
}

func (v *limitValue) Type() string {
	if v.size {
		return "size"
	}
	return "int"
}
