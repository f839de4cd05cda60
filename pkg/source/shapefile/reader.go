package shapefile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Buffer sizes: large enough that the kernel is asked for data rarely,
// small enough that a dozen layers open at once cost little.
const (
	shpBufferSize = 1 << 20
	dbfBufferSize = 256 << 10
)

// Options tune how a shapefile is read.
type Options struct {
	// Encoding, when set, is the text encoding of the .dbf ("windows-1258",
	// "1258", "UTF-8", "ISO-8859-1", "TCVN3", "VNI", ...). It wins over the
	// .cpg file, the dBASE language driver id and detection: users set it
	// when those are wrong.
	Encoding string
	// Limits bound what one file may cost; zero fields are defaults.
	// The reader applies RecordBytes and Features, the .dbf header check
	// and, for a .zip, ZipBytes, ZipEntries and ZipRatio.
	Limits feature.Limits
	// RequireDBF refuses a set without its .dbf (uploads: its features
	// would have no attributes). By default a .shp alone is read.
	RequireDBF bool
}

// Reader streams the records of one shapefile set. It implements
// feature.Reader; see the package documentation for the error contract.
type Reader struct {
	shpName string
	dbfName string
	shp     *bufio.Reader
	dbf     *bufio.Reader // nil without a .dbf
	hdr     header
	limits  feature.Limits
	table   *dbfHeader // nil without a .dbf
	dec     *textDecoder
	closers []io.Closer

	pos   int64  // bytes of the .shp consumed
	row   int64  // records consumed, deleted ones included
	buf   []byte // scratch for one .shp record
	rec   []byte // scratch for one .dbf record
	text  textScratch
	arena arena
	err   error // sticky error: io.EOF or a *feature.Error
}

var _ feature.Reader = (*Reader)(nil)

// NewReader reads a shapefile from streams: shp is the .shp content and
// dbf the .dbf content, or nil for none. name is the .shp file name used in
// errors (the .dbf is named after it). The text encoding comes from
// opts.Encoding, else the dBASE language driver id, else UTF-8 where valid
// and windows-1252 where not: a stream is not sampled, so TCVN3 and VNI are
// only read when named (Open detects them). Closing the Reader does not
// close shp or dbf.
func NewReader(name string, shp io.Reader, dbf io.Reader, opts Options) (*Reader, error) {
	pick := func(ldid byte) *textDecoder {
		dec, _, _ := chooseEncoding(opts.Encoding, "", false, ldid)
		return dec
	}
	return newReader(name, siblingName(name, ".dbf"), shp, dbf, -1, -1, pick, opts.Limits, nil)
}

// bufferSize is the buffer for a file of size bytes (-1: unknown): at
// most max, and no larger than the file, so that a zip of thousands of
// small sets does not cost a megabyte of buffer per set.
func bufferSize(size int64, max int) int {
	if size < 0 || size >= int64(max) {
		return max
	}
	return int(size) + 16 // bufio's minimum
}

// newReader reads the headers; shpSize and dbfSize are the files'
// lengths, or -1.
func newReader(shpName, dbfName string, shp, dbf io.Reader, shpSize, dbfSize int64, pick func(byte) *textDecoder, lim feature.Limits, closers []io.Closer) (*Reader, error) {
	r := &Reader{shpName: shpName, dbfName: dbfName, closers: closers, limits: lim.OrDefault()}
	r.shp = bufio.NewReaderSize(shp, bufferSize(shpSize, shpBufferSize))
	var hb [headerLen]byte
	if _, err := io.ReadFull(r.shp, hb[:]); err != nil {
		r.Close()
		return nil, &feature.Error{File: shpName, Reason: "cannot read the 100-byte header", Err: unexpected(err)}
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		r.Close()
		return nil, &feature.Error{File: shpName, Reason: err.Error()}
	}
	r.hdr, r.pos = h, headerLen
	if dbf != nil {
		r.dbf = bufio.NewReaderSize(dbf, bufferSize(dbfSize, dbfBufferSize))
		t, dec, err := readDBFHeader(r.dbf, dbfSize, pick)
		if err != nil {
			r.Close()
			return nil, dbfError(dbfName, err)
		}
		r.table, r.dec = t, dec
		r.rec = make([]byte, t.recordLen)
	}
	return r, nil
}

// Schema returns the fields of the .dbf (empty without one).
func (r *Reader) Schema() feature.Schema {
	if r.table == nil {
		return feature.Schema{}
	}
	return r.table.schema
}

// Close releases the files the Reader opened itself.
func (r *Reader) Close() error {
	var first error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if err := r.closers[i].Close(); err != nil && first == nil {
			first = fmt.Errorf("shapefile: close: %w", err)
		}
	}
	r.closers = nil
	if r.err == nil {
		r.err = fmt.Errorf("shapefile: read after close")
	}
	return first
}

func (r *Reader) fail(file string, reason string, err error) (*feature.Feature, error) {
	r.err = &feature.Error{File: file, Record: r.row + 1, Reason: reason, Err: err}
	return nil, r.err
}

// Read returns the next feature; see the package documentation for what
// a non-nil error with and without a feature means.
func (r *Reader) Read() (*feature.Feature, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		if r.pos >= r.hdr.fileBytes {
			// Bytes past the length in the header are padding, not records.
			return r.finish()
		}
		var rh [recordHeaderLen]byte
		n, err := io.ReadFull(r.shp, rh[:])
		if err == io.EOF && n == 0 {
			return r.finish()
		}
		if err != nil {
			return r.fail(r.shpName, fmt.Sprintf("truncated: the file ends inside a record header at byte %d", r.pos+int64(n)), unexpected(err))
		}
		clen := 2 * int64(int32(binary.BigEndian.Uint32(rh[4:])))
		if clen < 0 {
			return r.fail(r.shpName, fmt.Sprintf("record at byte %d has a negative content length", r.pos), nil)
		}
		if clen > r.limits.RecordBytes {
			// Checked before reading: a lying length must cost nothing.
			return r.fail(r.shpName, fmt.Sprintf("the record at byte %d declares %d bytes of content", r.pos, clen), r.limits.RecordLimit(clen))
		}
		if r.row >= r.limits.Features {
			return r.fail(r.shpName, fmt.Sprintf("the layer has more than %d records", r.limits.Features), r.limits.FeaturesLimit(r.row+1))
		}
		if err := r.readContent(clen); err != nil {
			return r.fail(r.shpName, fmt.Sprintf("truncated: the record at byte %d declares %d bytes of content but the file ends first", r.pos, clen), unexpected(err))
		}
		r.pos += recordHeaderLen + clen
		deleted := false
		if r.table != nil {
			if r.row >= r.table.records {
				return r.fail(r.dbfName, fmt.Sprintf("the .dbf has %d records but the .shp has more", r.table.records), nil)
			}
			if _, err := io.ReadFull(r.dbf, r.rec); err != nil || r.rec[0] == 0x1A {
				return r.fail(r.dbfName, fmt.Sprintf("truncated: the .dbf declares %d records but ends after %d", r.table.records, r.row), unexpected(err))
			}
			deleted = r.rec[0] == '*'
		}
		r.row++
		if deleted {
			continue
		}
		geom, reason := decodeShape(r.buf[:clen], &r.arena)
		f := r.arena.feature()
		f.Row, f.Geometry = r.row, geom
		if r.table != nil {
			f.Properties = make(feature.Properties, len(r.table.fields))
			if field := r.table.decodeRecord(r.rec, r.dec, &r.text, f.Properties); field != "" {
				r.err = &feature.Error{File: r.dbfName, Record: r.row, Reason: fmt.Sprintf("field %s is not valid UTF-8, but the encoding was named UTF-8: name the file's real encoding (windows-1258, tcvn3, vni), or leave it out to have it detected", field)}
				return nil, r.err
			}
		} else {
			f.Properties = feature.Properties{}
		}
		if reason != "" {
			return f, &feature.Error{File: r.shpName, Record: r.row, Reason: reason}
		}
		return f, nil
	}
}

// finish ends the stream at the end of the .shp, checking that neither the
// .shp header nor the .dbf promised more records.
func (r *Reader) finish() (*feature.Feature, error) {
	if r.pos < r.hdr.fileBytes {
		return r.fail(r.shpName, fmt.Sprintf("truncated: the header says %d bytes, the file ends after %d", r.hdr.fileBytes, r.pos), nil)
	}
	if r.table != nil && r.row < r.table.records {
		return r.fail(r.dbfName, fmt.Sprintf("the .dbf has %d records but the .shp only %d", r.table.records, r.row), nil)
	}
	r.err = io.EOF
	return nil, io.EOF
}

// readContent reads n bytes into r.buf. The buffer grows at most by
// doubling as data actually arrives, so a lying length costs no more
// memory than the data that is really there.
func (r *Reader) readContent(n int64) error {
	if n <= int64(cap(r.buf)) {
		r.buf = r.buf[:n]
		_, err := io.ReadFull(r.shp, r.buf)
		return err
	}
	have := int64(0)
	r.buf = r.buf[:0]
	for have < n {
		step := max(int64(cap(r.buf)), 64<<10)
		step = min(step, n-have)
		if int64(cap(r.buf))-have < step {
			nb := make([]byte, have, have+step)
			copy(nb, r.buf[:have])
			r.buf = nb
		}
		r.buf = r.buf[:have+step]
		if _, err := io.ReadFull(r.shp, r.buf[have:]); err != nil {
			return err
		}
		have += step
	}
	return nil
}
