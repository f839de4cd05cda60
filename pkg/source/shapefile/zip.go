package shapefile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// ratioFloor is the uncompressed size under which an entry's compression
// ratio is not checked: a small entry cannot exhaust anything, and tiny
// blank .dbf tables compress very well.
const ratioFloor = 1 << 20

// archive is a .zip opened once: its central directory is read and
// indexed by Open, and every layer found in it shares the index, so a zip
// of thousands of sets is not parsed again for each one. The file itself
// is only held open while something reads from it.
type archive struct {
	path    string
	limits  feature.Limits
	file    *sharedFile
	entries map[string]*zip.File // by safe, slash-separated name
	names   []string             // the keys of entries, sorted
}

// openArchive reads and checks the central directory of the zip at p
// against the limits: entry count, total uncompressed size and the
// compression ratio of each entry. Each error names the zip, the entry
// and the limit.
func openArchive(p string, lim feature.Limits) (*archive, error) {
	sf := &sharedFile{path: p}
	if err := sf.acquire(); err != nil {
		return nil, fmt.Errorf("shapefile: open %s: %w", p, err)
	}
	defer sf.release()
	z, err := zip.NewReader(sf, sf.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &feature.Error{File: p, Reason: "not a readable zip archive", Err: err}
	}
	if n := int64(len(z.File)); n > lim.ZipEntries {
		return nil, feature.OverLimit(p, 0, lim.ZipEntriesLimit(n), "the archive lists %d entries", n)
	}
	a := &archive{path: p, limits: lim, file: sf, entries: make(map[string]*zip.File, len(z.File))}
	var total uint64
	folded := make(map[string]string, len(z.File)) // lower-cased name -> name
	for _, f := range z.File {
		total += f.UncompressedSize64
		if total > uint64(lim.ZipBytes) {
			return nil, feature.OverLimit(p+"/"+f.Name, 0, lim.ZipBytesLimit(int64(min(total, 1<<62))),
				"the entries up to this one hold %d bytes uncompressed", total)
		}
		if f.UncompressedSize64 > ratioFloor {
			ratio := f.UncompressedSize64 / max(f.CompressedSize64, 1)
			if ratio > uint64(lim.ZipRatio) {
				return nil, feature.OverLimit(p+"/"+f.Name, 0, lim.ZipRatioLimit(int64(min(ratio, 1<<62))),
					"%d bytes compressed to %d (ratio %d:1)", f.UncompressedSize64, f.CompressedSize64, ratio)
			}
		}
		if err := a.add(f, folded); err != nil {
			return nil, err
		}
	}
	sort.Strings(a.names)
	return a, nil
}

// add indexes one entry of the central directory. An archive with an
// entry that is unsafe or ambiguous is refused whole, naming the entry:
// an absolute name or one that climbs out with ".." (a path-traversal
// attack, or a broken tool), a symbolic link or any other special file
// (its "content" is a path on the zipping machine), and two entries whose
// names are equal, or equal but for case (which one a tool reads depends
// on the tool and the file system: what plantile published would not be
// what the sender saw). Nothing is ever extracted to disk either way.
func (a *archive) add(f *zip.File, folded map[string]string) error {
	name, ok := safeName(f.Name)
	if !ok {
		return &feature.Error{File: a.path, Reason: fmt.Sprintf("entry %q is an absolute path or climbs out of the archive with \"..\": the zip is refused; zip the files with relative names", f.Name)}
	}
	mode := f.Mode()
	if mode&fs.ModeSymlink != 0 {
		return &feature.Error{File: a.path, Reason: fmt.Sprintf("entry %q is a symbolic link: the zip is refused; zip the files themselves, not links to them", f.Name)}
	}
	if name == "" || mode.IsDir() {
		return nil
	}
	if !mode.IsRegular() {
		return &feature.Error{File: a.path, Reason: fmt.Sprintf("entry %q is not a regular file (%s): the zip is refused", f.Name, mode.Type())}
	}
	key := strings.ToLower(name)
	if prev, dup := folded[key]; dup {
		if prev == name {
			return &feature.Error{File: a.path, Reason: fmt.Sprintf("entry %q appears twice: the zip is refused, as tools disagree on which copy counts; zip each file once", name)}
		}
		return &feature.Error{File: a.path, Reason: fmt.Sprintf("entries %q and %q differ only in case: the zip is refused, as which one is read depends on the tool; rename or remove one", prev, name)}
	}
	folded[key] = name
	a.entries[name] = f
	a.names = append(a.names, name)
	return nil
}

// safeName turns a zip entry name into a slash-separated relative path:
// backslashes (as Windows tools write them, and GDAL reads them) become
// slashes, and "." elements go. It refuses absolute names (including
// drive letters) and names with a ".." element: nothing is ever extracted
// to disk, but a name must never point outside the archive. A directory
// entry gives "".
func safeName(raw string) (string, bool) {
	n := strings.ReplaceAll(raw, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':') {
		return "", false
	}
	for _, e := range strings.Split(n, "/") {
		if e == ".." {
			return "", false
		}
	}
	if strings.HasSuffix(n, "/") {
		return "", true
	}
	n = path.Clean(n)
	if n == "." {
		return "", true
	}
	if !fs.ValidPath(n) {
		return "", false
	}
	return n, true
}

// dir is the fs.FS view of the archive's directory d ("" for the root,
// else ending in "/"), as loadLayer and Features read a set.
func (a *archive) dir(d string) fs.FS { return archiveDir{a: a, dir: d} }

type archiveDir struct {
	a   *archive
	dir string
}

// Open opens the entry dir+name for reading; the archive's file stays
// open until the entry is closed.
func (d archiveDir) Open(name string) (fs.File, error) {
	f, ok := d.a.entries[d.dir+name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if err := d.a.file.acquire(); err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.a.path, Err: err}
	}
	rc, err := f.Open()
	if err != nil {
		d.a.file.release()
		return nil, &fs.PathError{Op: "open", Path: d.a.path + "/" + f.Name, Err: err}
	}
	return &archiveEntry{f: f, rc: rc, file: d.a.file}, nil
}

// archiveEntry is one open member; zip's reader already refuses to
// produce more bytes than the central directory declared, which the
// limits were checked against.
type archiveEntry struct {
	f      *zip.File
	rc     io.ReadCloser
	file   *sharedFile
	closed bool
}

// Read reads the inflated entry; archive/zip refuses to inflate past the
// size the central directory declares (which the limits checked), and
// the error says so in words.
func (e *archiveEntry) Read(p []byte) (int, error) {
	n, err := e.rc.Read(p)
	switch {
	case errors.Is(err, zip.ErrFormat):
		err = fmt.Errorf("the entry inflates past the %d bytes the zip declares for it (a zip bomb, or a damaged zip): %w", e.f.UncompressedSize64, err)
	case errors.Is(err, zip.ErrChecksum):
		err = fmt.Errorf("the entry does not match its checksum: the zip is damaged: %w", err)
	}
	return n, err
}
func (e *archiveEntry) Stat() (fs.FileInfo, error) { return e.f.FileInfo(), nil }
func (e *archiveEntry) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	err := e.rc.Close()
	e.file.release()
	return err
}

// sharedFile is the zip file on disk, opened while at least one reader
// needs it. It is the io.ReaderAt of the zip index, which outlives any one
// open: reopening checks that the file is still the one indexed.
type sharedFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	refs int
	size int64
	mod  time.Time
}

var errChanged = errors.New("the file changed since it was opened; open it again")

func (s *sharedFile) acquire() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		f, err := os.Open(s.path)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		if s.mod.IsZero() {
			s.size, s.mod = st.Size(), st.ModTime()
		} else if st.Size() != s.size || !st.ModTime().Equal(s.mod) {
			f.Close()
			return errChanged
		}
		s.f = f
	}
	s.refs++
	return nil
}

func (s *sharedFile) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs == 0 && s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

func (s *sharedFile) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	f := s.f
	s.mu.Unlock()
	if f == nil {
		return 0, fs.ErrClosed
	}
	return f.ReadAt(p, off)
}
