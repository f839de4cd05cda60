package feature

import (
	"errors"
	"fmt"
)

// Limits bound the work and memory that reading one input may cost, so that
// a broken or hostile file (a zip bomb, a header that lies) gets a clear
// error instead of exhausting the machine. Every reader and pkg/ingest take
// the same struct; `plantile inspect`, `export` and `build` expose each
// field as a flag (named in LimitFlags). A zero field means its default.
//
// The defaults fit a province's planning data with room to spare: Son La's
// largest layer (cadastral parcels, about a million features of a few
// hundred vertices) stays well inside every one of them.
type Limits struct {
	// RecordBytes is the largest record: the content of one .shp record,
	// or one GeoJSON feature's text. Checked before the record is
	// allocated. Default 64 MiB (a parcel is a few KiB; a province
	// boundary with 1 m vertices about 10 MiB).
	RecordBytes int64
	// BadRecords is how many bad records (a broken shape, coordinates
	// that are not finite longitude/latitude, too many vertices) a read
	// skips before it stops with an error. Default 1000.
	BadRecords int64
	// ZipBytes is the total uncompressed size of the entries of a .zip
	// that are read (shapefile members). Default 4 GiB.
	ZipBytes int64
	// ZipEntries is the most entries a .zip may list. Default 10000.
	ZipEntries int64
	// ZipRatio is the largest uncompressed/compressed size ratio of a zip
	// entry larger than 1 MiB uncompressed (smaller ones cannot hurt).
	// Deflate tops out near 1032:1, which is what zip bombs use; real
	// shapefiles compress 2-20:1 and blank-padded .dbf tables up to about
	// 100:1. Default 250.
	ZipRatio int64
	// Features is the most features (records, deleted ones included) in
	// one layer. Checked against the count a header declares before
	// reading, and while reading. Default 10 million.
	Features int64
	// Vertices is the most vertices of one feature; a feature with more
	// is a bad record. Default 5 million.
	Vertices int64
	// PropertyBytes is the largest value of one property (a GeoJSON
	// string or nested JSON value; a dBASE field is at most 64 KiB by
	// construction). A larger one is an error naming the feature and the
	// property: a tile could not hold it anyway. Default 1 MiB.
	PropertyBytes int64
}

// DefaultLimits returns the limits used when none are set.
func DefaultLimits() Limits {
	return Limits{
		RecordBytes:   64 << 20,
		BadRecords:    1000,
		ZipBytes:      4 << 30,
		ZipEntries:    10000,
		ZipRatio:      250,
		Features:      10_000_000,
		Vertices:      5_000_000,
		PropertyBytes: 1 << 20,
	}
}

// OrDefault returns l with every zero (or negative) field replaced by its
// default, so that a zero Limits{} means "the defaults".
func (l Limits) OrDefault() Limits {
	d := DefaultLimits()
	pick := func(v, def int64) int64 {
		if v <= 0 {
			return def
		}
		return v
	}
	return Limits{
		RecordBytes:   pick(l.RecordBytes, d.RecordBytes),
		BadRecords:    pick(l.BadRecords, d.BadRecords),
		ZipBytes:      pick(l.ZipBytes, d.ZipBytes),
		ZipEntries:    pick(l.ZipEntries, d.ZipEntries),
		ZipRatio:      pick(l.ZipRatio, d.ZipRatio),
		Features:      pick(l.Features, d.Features),
		Vertices:      pick(l.Vertices, d.Vertices),
		PropertyBytes: pick(l.PropertyBytes, d.PropertyBytes),
	}
}

// The command-line flags that change each limit; errors name them so that
// a user knows how to raise a limit that is too tight for honest data.
const (
	FlagRecordBytes   = "--max-record-bytes"
	FlagBadRecords    = "--max-bad-records"
	FlagZipBytes      = "--max-zip-bytes"
	FlagZipEntries    = "--max-zip-entries"
	FlagZipRatio      = "--max-zip-ratio"
	FlagFeatures      = "--max-features"
	FlagVertices      = "--max-vertices"
	FlagPropertyBytes = "--max-property-bytes"
)

// ErrLimit is the cause (errors.Is) of every LimitError.
var ErrLimit = errors.New("limit exceeded")

// LimitError says which limit an input went over. It is the Err of a
// *Error, which names the file and the record.
type LimitError struct {
	Name  string // what is limited, e.g. "record size"
	Max   int64  // the limit in force
	Unit  string // "bytes", "records", ... ("" for a ratio)
	Flag  string // the flag that raises it, e.g. "--max-record-bytes"
	Value int64  // what the input has or declares; 0 if unknown
}

func (e *LimitError) Error() string {
	unit := ""
	if e.Unit != "" {
		unit = " " + e.Unit
	}
	return fmt.Sprintf("over the %s limit of %d%s (raise it with %s)", e.Name, e.Max, unit, e.Flag)
}

// Is makes errors.Is(err, ErrLimit) true for every LimitError.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// OverLimit builds the *Error for file and record (0 when not in a record)
// whose reason says what the input has, caused by going over limit.
func OverLimit(file string, record int64, limit *LimitError, format string, args ...any) *Error {
	return &Error{File: file, Record: record, Reason: fmt.Sprintf(format, args...), Err: limit}
}

// The LimitError of each field of l, for readers to fill Value in.

// RecordLimit is the LimitError of RecordBytes.
func (l Limits) RecordLimit(v int64) *LimitError {
	return &LimitError{Name: "record size", Max: l.RecordBytes, Unit: "bytes", Flag: FlagRecordBytes, Value: v}
}

// BadRecordLimit is the LimitError of BadRecords.
func (l Limits) BadRecordLimit(v int64) *LimitError {
	return &LimitError{Name: "bad records", Max: l.BadRecords, Unit: "records", Flag: FlagBadRecords, Value: v}
}

// ZipBytesLimit is the LimitError of ZipBytes.
func (l Limits) ZipBytesLimit(v int64) *LimitError {
	return &LimitError{Name: "uncompressed zip size", Max: l.ZipBytes, Unit: "bytes", Flag: FlagZipBytes, Value: v}
}

// ZipEntriesLimit is the LimitError of ZipEntries.
func (l Limits) ZipEntriesLimit(v int64) *LimitError {
	return &LimitError{Name: "zip entry count", Max: l.ZipEntries, Unit: "entries", Flag: FlagZipEntries, Value: v}
}

// ZipRatioLimit is the LimitError of ZipRatio.
func (l Limits) ZipRatioLimit(v int64) *LimitError {
	return &LimitError{Name: "zip compression ratio", Max: l.ZipRatio, Flag: FlagZipRatio, Value: v}
}

// FeaturesLimit is the LimitError of Features.
func (l Limits) FeaturesLimit(v int64) *LimitError {
	return &LimitError{Name: "features per layer", Max: l.Features, Unit: "features", Flag: FlagFeatures, Value: v}
}

// VerticesLimit is the LimitError of Vertices.
func (l Limits) VerticesLimit(v int64) *LimitError {
	return &LimitError{Name: "vertices per feature", Max: l.Vertices, Unit: "vertices", Flag: FlagVertices, Value: v}
}

// PropertyLimit is the LimitError of PropertyBytes.
func (l Limits) PropertyLimit(v int64) *LimitError {
	return &LimitError{Name: "property size", Max: l.PropertyBytes, Unit: "bytes", Flag: FlagPropertyBytes, Value: v}
}
