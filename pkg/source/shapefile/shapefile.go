package shapefile

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Layer is one shapefile set: a .shp and the siblings found with it. It
// satisfies source.Layer.
type Layer struct {
	info    feature.LayerInfo
	arc     *archive // the zip holding the set, or nil for plain files
	dir     string   // directory on disk, for plain files
	shp     string   // member paths within dir or the archive
	dbf     string   // "" when there is none
	limits  feature.Limits
	decoder func() *textDecoder
}

// Info describes the layer as found: name, source path, geometry type,
// record count, schema, .prj text, text encoding and warnings.
func (l *Layer) Info() feature.LayerInfo {
	info := l.info
	info.Schema.Fields = append([]feature.Field(nil), l.info.Schema.Fields...)
	info.Warnings = append([]string(nil), l.info.Warnings...)
	return info
}

// Features opens a new stream over the layer's records. Each call reopens
// the files (or the archive members, decompressed as they are read; the
// archive's index is the one Open read).
func (l *Layer) Features() (feature.Reader, error) {
	fsys := l.open()
	var closers []io.Closer
	shp, err := fsys.Open(l.shp)
	if err != nil {
		closeAll(closers)
		return nil, fmt.Errorf("shapefile: open %s: %w", l.info.Source, err)
	}
	closers = append(closers, shp)
	var dbf io.Reader
	dbfSize := int64(-1)
	dbfName := siblingName(l.info.Source, ".dbf")
	if l.dbf != "" {
		f, err := fsys.Open(l.dbf)
		if err != nil {
			closeAll(closers)
			return nil, fmt.Errorf("shapefile: open %s: %w", dbfName, err)
		}
		closers = append(closers, f)
		dbf = f
		dbfSize = sizeOf(f)
	}
	pick := func(byte) *textDecoder { return l.decoder() }
	return newReader(l.info.Source, dbfName, shp, dbf, sizeOf(shp), dbfSize, pick, l.limits, closers)
}

// sizeOf returns the size of an open file (for a zip member, its declared
// uncompressed size), or -1 when unknown.
func sizeOf(f fs.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	return st.Size()
}

func closeAll(cs []io.Closer) {
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i] != nil {
			cs[i].Close()
		}
	}
}

// open returns the file system holding the set.
func (l *Layer) open() fs.FS {
	if l.arc == nil {
		return os.DirFS(l.dir)
	}
	return l.arc.dir("")
}

// Open finds the shapefile sets at path and reads their headers. path is
// a .shp file (siblings .shx, .dbf, .prj and .cpg are matched
// case-insensitively), a directory (every set in it, by name), or a .zip
// archive (every set anywhere inside, by path). A .shp alone is enough:
// without .shx the count comes from the .dbf, without .dbf features have
// no properties.
func Open(p string, opts Options) ([]*Layer, error) {
	opts.Limits = opts.Limits.OrDefault()
	if err := checkEncoding(p, opts.Encoding); err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("shapefile: %w", err)
	}
	if st.IsDir() {
		return openDir(p, opts)
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".zip":
		return openZip(p, opts)
	case ".shp":
		dir, base := filepath.Split(p)
		if dir == "" {
			dir = "."
		}
		names, err := listDir(dir)
		if err != nil {
			return nil, err
		}
		l, err := loadLayer(os.DirFS(dir), stems(names)[stemKey(base)], base, p, opts)
		if err != nil {
			return nil, err
		}
		l.dir = dir
		return []*Layer{l}, nil
	}
	return nil, fmt.Errorf("shapefile: %s is not a .shp, .zip or directory", p)
}

// OpenZip finds the shapefile sets in the zip archive at p, whatever its
// name ends with (an upload is stored under its hash): see Open.
func OpenZip(p string, opts Options) ([]*Layer, error) {
	opts.Limits = opts.Limits.OrDefault()
	if err := checkEncoding(p, opts.Encoding); err != nil {
		return nil, err
	}
	return openZip(p, opts)
}

// checkEncoding refuses an encoding name nobody can decode with: a
// named encoding is an assertion about the file, and ignoring it would
// publish text nobody checked.
func checkEncoding(p, name string) error {
	if name == "" {
		return nil
	}
	if _, _, err := lookupEncoding(name); err != nil {
		return &feature.Error{File: p, Reason: fmt.Sprintf("the encoding named for the .dbf, %q, is unknown: name one of UTF-8, windows-1258, tcvn3, vni, or another code page, or leave it out to have it detected", name)}
	}
	return nil
}

func listDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("shapefile: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func openDir(dir string, opts Options) ([]*Layer, error) {
	names, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	byStem := stems(names)
	var layers []*Layer
	for _, n := range names {
		if !strings.EqualFold(path.Ext(n), ".shp") {
			continue
		}
		l, err := loadLayer(os.DirFS(dir), byStem[stemKey(n)], n, filepath.Join(dir, n), opts)
		if err != nil {
			return nil, err
		}
		l.dir = dir
		layers = append(layers, l)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("shapefile: no .shp file in %s", dir)
	}
	return layers, nil
}

func openZip(zipPath string, opts Options) ([]*Layer, error) {
	a, err := openArchive(zipPath, opts.Limits)
	if err != nil {
		return nil, err
	}
	var shps []string
	for _, name := range a.names {
		if strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), "._") {
			continue
		}
		if strings.EqualFold(path.Ext(name), ".shp") {
			shps = append(shps, name)
		}
	}
	// Siblings by directory and case-folded stem, so that finding them
	// costs the same for the thousandth set as for the first.
	byStem := stems(a.names)
	var layers []*Layer
	for _, name := range shps {
		dir, base := path.Split(name)
		var names []string
		for _, n := range byStem[stemKey(name)] {
			names = append(names, strings.TrimPrefix(n, dir))
		}
		l, err := loadLayer(a.dir(dir), names, base, zipPath+"/"+name, opts)
		if err != nil {
			return nil, err
		}
		l.arc = a
		l.shp = name
		if l.dbf != "" {
			l.dbf = dir + l.dbf
		}
		layers = append(layers, l)
	}
	if len(layers) == 0 {
		return nil, noLayerError(zipPath, a.names)
	}
	return layers, nil
}

// noLayerError says that a zip holds no shapefile set, and what it holds
// instead: archives inside it are never opened (a nested zip is neither
// read nor inflated), and GeoJSON is read as the file itself.
func noLayerError(zipPath string, names []string) error {
	var nested, geo, shown []string
	for _, n := range names {
		switch ext := strings.ToLower(path.Ext(n)); ext {
		case ".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".kmz":
			nested = append(nested, n)
		case ".geojson", ".json", ".geojsonl", ".geojsons", ".ndjson":
			geo = append(geo, n)
		}
		if len(shown) < 5 {
			shown = append(shown, n)
		}
	}
	msg := "no shapefile (.shp) in the zip"
	switch {
	case len(names) == 0:
		msg += ": it is empty"
	case len(nested) > 0:
		msg += fmt.Sprintf(": it holds %q: archives inside a zip are not opened; send the shapefile sets zipped once", nested[0])
	case len(geo) > 0:
		msg += fmt.Sprintf(": it holds %q: send a GeoJSON file as it is, not zipped", geo[0])
	default:
		msg += fmt.Sprintf(": it holds %d files (%s)", len(names), strings.Join(shown, ", "))
	}
	return &feature.Error{File: zipPath, Reason: msg}
}

// stemKey is a path without its extension, case-folded: the files of one
// shapefile set share it.
func stemKey(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, path.Ext(name)))
}

// stems groups names (slash-separated paths) by stemKey.
func stems(names []string) map[string][]string {
	m := make(map[string][]string, len(names))
	for _, n := range names {
		k := stemKey(n)
		m[k] = append(m[k], n)
	}
	return m
}

// sibling returns the name in names with the base of shp and extension ext,
// preferring the same case, else matching case-insensitively; "" if none.
func sibling(names []string, shp, ext string) string {
	want := strings.TrimSuffix(shp, path.Ext(shp))
	var folded string
	for _, n := range names {
		e := path.Ext(n)
		if !strings.EqualFold(e, ext) {
			continue
		}
		b := strings.TrimSuffix(n, e)
		if b == want && e == ext {
			return n
		}
		if strings.EqualFold(b, want) && folded == "" {
			folded = n
		}
	}
	return folded
}

// siblingName swaps the extension of a .shp path for ext, for messages.
func siblingName(shp, ext string) string {
	return strings.TrimSuffix(shp, path.Ext(shp)) + ext
}

const (
	maxSmallFile = 1 << 20 // .prj and .cpg are a few hundred bytes
	sampleBytes  = 4 << 20 // .dbf bytes sampled to guess an unknown encoding
)

func readSmall(fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile))
	return string(b), err
}

// loadLayer reads the headers of the set whose .shp is named shp in fsys;
// names lists the files beside it and source is the path shown to users.
func loadLayer(fsys fs.FS, names []string, shp, source string, opts Options) (*Layer, error) {
	l := &Layer{shp: shp, limits: opts.Limits}
	l.info.Name = strings.TrimSuffix(shp, path.Ext(shp))
	l.info.Source = source
	info := &l.info

	f, err := fsys.Open(shp)
	if err != nil {
		return nil, fmt.Errorf("shapefile: open %s: %w", source, err)
	}
	var hb [headerLen]byte
	_, err = io.ReadFull(f, hb[:])
	f.Close()
	if err != nil {
		return nil, &feature.Error{File: source, Reason: "cannot read the 100-byte header", Err: unexpected(err)}
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return nil, &feature.Error{File: source, Reason: err.Error()}
	}
	info.GeometryType = geometryTypes[h.shapeType]
	info.HasZ = hasZ(h.shapeType)
	info.Count = -1

	shxCount := int64(-1)
	if shx := sibling(names, shp, ".shx"); shx != "" {
		shxCount, err = readSHXCount(fsys, shx)
		if err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf(".shx ignored: %v", err))
		}
	} else {
		info.Warnings = append(info.Warnings, "no .shx index; the .shp is read without it")
	}
	if prj := sibling(names, shp, ".prj"); prj != "" {
		if info.CRS, err = readSmall(fsys, prj); err != nil {
			return nil, fmt.Errorf("shapefile: read %s: %w", siblingName(source, ".prj"), err)
		}
	}
	cpg, haveCPG := "", false
	if name := sibling(names, shp, ".cpg"); name != "" {
		if cpg, err = readSmall(fsys, name); err != nil {
			return nil, fmt.Errorf("shapefile: read %s: %w", siblingName(source, ".cpg"), err)
		}
		haveCPG = true
	}

	l.dbf = sibling(names, shp, ".dbf")
	if l.dbf == "" && opts.RequireDBF {
		return nil, &feature.Error{File: source, Reason: fmt.Sprintf("the set has no .dbf (%s): its features would have no attributes; add it beside the .shp", path.Base(siblingName(source, ".dbf")))}
	}
	if l.dbf == "" {
		info.Warnings = append(info.Warnings, "no .dbf table; features have no attributes")
		if shxCount > opts.Limits.Features {
			return nil, feature.OverLimit(siblingName(source, ".shx"), 0, opts.Limits.FeaturesLimit(shxCount), "the index declares %d records", shxCount)
		}
		info.Count = shxCount
		l.decoder = defaultDecoder
		return l, nil
	}
	dbfName := siblingName(source, ".dbf")
	df, err := fsys.Open(l.dbf)
	if err != nil {
		return nil, fmt.Errorf("shapefile: open %s: %w", dbfName, err)
	}
	defer df.Close()
	dbfSize := sizeOf(df)
	br := bufio.NewReaderSize(df, bufferSize(dbfSize, dbfBufferSize))
	var label string
	var encWarns []string
	var chosen *textDecoder
	pick := func(ldid byte) *textDecoder {
		chosen, label, encWarns = chooseEncoding(opts.Encoding, cpg, haveCPG, ldid)
		return chosen
	}
	t, _, err := readDBFHeader(br, dbfSize, pick)
	if err != nil {
		return nil, dbfError(dbfName, err)
	}
	if t.records > opts.Limits.Features {
		return nil, feature.OverLimit(dbfName, 0, opts.Limits.FeaturesLimit(t.records), "the table declares %d records", t.records)
	}
	info.Schema = t.schema
	info.Count = t.records
	info.Warnings = append(info.Warnings, encWarns...)
	info.Warnings = append(info.Warnings, t.warnings...)
	if shxCount >= 0 && shxCount != t.records {
		info.Warnings = append(info.Warnings, fmt.Sprintf("the .shx indexes %d records but the .dbf has %d", shxCount, t.records))
	}
	if chosen.detect {
		d := detectEncoding(br, t, chosen)
		chosen, label = d.dec, d.label
		info.EncodingDetection = d.detail
		info.Warnings = append(info.Warnings, d.warns...)
	}
	info.Encoding = label
	l.decoder = chosen.clone
	return l, nil
}

// readSHXCount returns the number of records the index file holds.
func readSHXCount(fsys fs.FS, name string) (int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	var hb [headerLen]byte
	if _, err := io.ReadFull(f, hb[:]); err != nil {
		return -1, fmt.Errorf("header: %w", unexpected(err))
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return -1, err
	}
	if h.fileBytes < headerLen || (h.fileBytes-headerLen)%8 != 0 {
		return -1, fmt.Errorf("length %d bytes is not a 100-byte header plus 8-byte entries", h.fileBytes)
	}
	if size := sizeOf(f); size >= 0 && h.fileBytes > size {
		// The count sizes what readers preallocate: it must be real.
		return -1, fmt.Errorf("the header says %d bytes but the file holds %d", h.fileBytes, size)
	}
	return (h.fileBytes - headerLen) / 8, nil
}
