package mbtiles

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// ErrNotRegular means the path given to Create is something other than a
// regular file (a directory, device, FIFO, socket or symbolic link): the
// final rename would replace it, so Create refuses.
var ErrNotRegular = errors.New("mbtiles: not a regular file")

// batchSize is how many tiles go into one transaction. Big transactions are
// what makes SQLite inserts fast; with the journal off they cost no extra
// disk.
const batchSize = 20000

// schema is the deduplicated MBTiles layout. 64 KiB pages (SQLite's
// largest) make the stored features (features.go), blobs of hundreds of
// megabytes, load with 16 times fewer overflow pages: 40% less CPU. The
// unique indexes exist from
// the start: they make duplicate z/x/y an error instead of a silently corrupt
// file, and INSERT OR IGNORE on images is how tiles are deduplicated.
const schema = `
PRAGMA page_size = 65536;
PRAGMA application_id = 0x4d504258;
CREATE TABLE metadata (name TEXT NOT NULL, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE map (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_id TEXT NOT NULL);
CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
CREATE TABLE images (tile_id TEXT NOT NULL, tile_data BLOB NOT NULL);
CREATE UNIQUE INDEX images_id ON images (tile_id);
CREATE VIEW tiles AS
  SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
         map.tile_row AS tile_row, images.tile_data AS tile_data
  FROM map JOIN images ON images.tile_id = map.tile_id;
`

// Writer builds an MBTiles file in a temporary file beside its final path
// and moves it into place on Commit, so that no reader ever sees a
// half-written file. All methods are safe for concurrent use; PutTile
// compresses outside the lock, so callers encoding tiles in parallel also
// compress in parallel.
type Writer struct {
	path string
	tmp  string
	lock *os.File // the temporary file, flocked while the Writer lives

	mu       sync.Mutex
	db       *sql.DB
	tx       *sql.Tx
	putMap   *sql.Stmt
	putImage *sql.Stmt
	inTx     int
	meta     Metadata
	stats    Stats
	done     bool
}

// Stats counts what a Writer stored.
type Stats struct {
	Tiles       int64         // tiles written, duplicates included
	TilesByZoom map[int]int64 // tiles written per zoom level
	UniqueTiles int64         // rows in images: distinct tile contents
	Bytes       int64         // gzipped bytes of all tiles written
	UniqueBytes int64         // gzipped bytes actually stored
	Largest     TileSize      // the largest tile written
}

// TileSize names a tile (XYZ) and its gzipped size in bytes.
type TileSize struct {
	Z, X, Y int
	Size    int
}

// Create starts a new MBTiles file that will appear at path on Commit.
// Until then it lives in a hidden temporary file in the same directory, so
// that the final rename is atomic (same file system).
//
// The path must not exist or be a regular file: Commit renames over it,
// which would replace a device (/dev/null), a FIFO, a directory or a
// symbolic link itself rather than what it points to. A symbolic link is
// refused too, so that the caller names the file it means to replace.
//
// The temporary file is named .NAME.tmp-pPID-RANDOM and held under an
// exclusive flock while the Writer lives. Create first removes the
// temporary files of the same path left by writers that died (killed
// builds): those whose process is gone and whose lock is free. A live
// writer's file is never removed, whichever process or host it runs on.
func Create(path string) (*Writer, error) {
	if err := CheckTarget(path); err != nil {
		return nil, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	sweepTemps(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, fmt.Errorf("mbtiles: create %s: %w", path, err)
	}
	tmp := f.Name()
	// The lock marks the file as live for sweepTemps of other processes;
	// it is released when lock is closed (Commit, Abort) or the process
	// dies.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("mbtiles: create %s: lock: %w", path, err)
	}
	w := &Writer{path: path, tmp: tmp, lock: f, stats: Stats{TilesByZoom: map[int]int64{}}}
	if err := w.init(); err != nil {
		w.cleanup()
		return nil, fmt.Errorf("mbtiles: create %s: %w", path, err)
	}
	return w, nil
}

// CheckTarget returns an error wrapping ErrNotRegular if path exists and
// is not a regular file (see Create): for callers that want to fail before
// long work rather than at Create.
func CheckTarget(path string) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("mbtiles: create %s: %w", path, err)
	case st.Mode()&os.ModeSymlink != 0:
		to, _ := os.Readlink(path)
		return fmt.Errorf("%w: %s is a symbolic link (to %s): give the path of the file itself, or remove the link", ErrNotRegular, path, to)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%w: %s exists and is a %s, which a build would replace", ErrNotRegular, path, kindOf(st.Mode()))
	}
	return nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// tempPrefix is the start of the temporary file names of target base;
// the pid of the writing process follows.
func tempPrefix(base string) string { return "." + base + ".tmp-p" }

// sweepTemps removes the temporary files of target base in dir whose
// writer is provably gone: the process named in the file name no longer
// exists and nobody holds the file's lock. Files of another format (older
// versions wrote .NAME.tmp-RANDOM without a pid) are left alone, as is
// anything that is not a regular file. Errors are ignored: sweeping is a
// courtesy, and a file left behind is only disk space.
func sweepTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		removeIfUnlocked(filepath.Join(dir, e.Name()))
	}
}

// processAlive reports whether process pid exists (possibly as another
// user's: EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// removeIfUnlocked removes path if its flock can be taken at once. The
// lock is held across the removal, so a writer cannot be between Create
// and Flock on it: a file is locked from the moment its writer can use it.
func removeIfUnlocked(path string) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return
	}
	os.Remove(path)
}

func (w *Writer) init() error {
	// The file is invisible until renamed, so a crash can only lose the
	// temporary file: no journal and no fsync per transaction are needed.
	dsn := "file:" + uriPath(w.tmp) + "?_journal_mode=OFF&_synchronous=OFF&_locking_mode=EXCLUSIVE"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1) // one connection: the transactions below are on it
	w.db = db
	_, err = db.Exec(schema)
	return err
}

// begin opens the next batch transaction and prepares its statements.
func (w *Writer) begin() error {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	putMap, err := tx.Prepare(`INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return err
	}
	putImage, err := tx.Prepare(`INSERT OR IGNORE INTO images (tile_id, tile_data) VALUES (?, ?)`)
	if err != nil {
		putMap.Close()
		tx.Rollback()
		return err
	}
	w.tx, w.putMap, w.putImage, w.inTx = tx, putMap, putImage, 0
	return nil
}

// flush commits the current batch transaction.
func (w *Writer) flush() error {
	if w.tx == nil {
		return nil
	}
	w.putMap.Close()
	w.putImage.Close()
	err := w.tx.Commit()
	w.tx, w.putMap, w.putImage = nil, nil, nil
	return err
}

// PutTile stores the raw (uncompressed) MVT bytes of XYZ tile z/x/y,
// gzipping them deterministically first.
func (w *Writer) PutTile(z, x, y int, mvt []byte) error {
	if err := checkCoord(z, x, y); err != nil {
		return err
	}
	return w.put(z, x, y, Gzip(mvt))
}

// PutTileGzipped stores already gzipped MVT bytes of XYZ tile z/x/y as they
// are. Identical bytes are stored once; bytes gzipped with different
// settings are not recognised as identical.
func (w *Writer) PutTileGzipped(z, x, y int, gz []byte) error {
	if err := checkCoord(z, x, y); err != nil {
		return err
	}
	if !IsGzip(gz) {
		return fmt.Errorf("%w: tile %d/%d/%d", ErrNotGzip, z, x, y)
	}
	return w.put(z, x, y, gz)
}

// tileID names tile content: SHA-256 truncated to 128 bits, in hex. A
// collision would need 2^64 distinct tiles.
func tileID(gz []byte) string {
	sum := sha256.Sum256(gz)
	return hex.EncodeToString(sum[:16])
}

func (w *Writer) put(z, x, y int, gz []byte) error {
	id := tileID(gz)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return ErrClosed
	}
	if w.tx == nil {
		if err := w.begin(); err != nil {
			return fmt.Errorf("mbtiles: begin batch: %w", err)
		}
	}
	if _, err := w.putMap.Exec(z, x, tmsRow(z, y), id); err != nil {
		if isConstraint(err) {
			return fmt.Errorf("%w: %d/%d/%d", ErrDuplicateTile, z, x, y)
		}
		return fmt.Errorf("mbtiles: put tile %d/%d/%d: %w", z, x, y, err)
	}
	res, err := w.putImage.Exec(id, gz)
	if err != nil {
		return fmt.Errorf("mbtiles: put tile %d/%d/%d: %w", z, x, y, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		w.stats.UniqueTiles++
		w.stats.UniqueBytes += int64(len(gz))
	}
	w.stats.Tiles++
	w.stats.TilesByZoom[z]++
	w.stats.Bytes += int64(len(gz))
	if len(gz) > w.stats.Largest.Size {
		w.stats.Largest = TileSize{Z: z, X: x, Y: y, Size: len(gz)}
	}
	w.inTx++
	if w.inTx >= batchSize {
		if err := w.flush(); err != nil {
			return fmt.Errorf("mbtiles: commit batch: %w", err)
		}
	}
	return nil
}

func isConstraint(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// SetMetadata sets the metadata written on Commit; the last call wins.
// Empty Name defaults to the file name without extension, empty Format to
// "pbf", empty Type to "overlay".
func (w *Writer) SetMetadata(m Metadata) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m.VectorLayers = append([]VectorLayer(nil), m.VectorLayers...)
	m.Extra = maps.Clone(m.Extra)
	w.meta = m
}

// Stats returns what has been stored so far.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.TilesByZoom = maps.Clone(w.stats.TilesByZoom)
	return s
}

// Commit writes the metadata, closes the database, flushes it to disk and
// renames it to the final path, atomically replacing any file there.
// Readers that have the old file open keep reading the old file.
func (w *Writer) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return ErrClosed
	}
	w.done = true
	if err := w.commit(); err != nil {
		w.cleanup()
		return fmt.Errorf("mbtiles: commit %s: %w", w.path, err)
	}
	return nil
}

func (w *Writer) commit() error {
	m := w.meta
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(w.path), filepath.Ext(w.path))
	}
	if m.Format == "" {
		m.Format = FormatPBF
	}
	if m.Type == "" {
		m.Type = "overlay"
	}
	if m.MaxZoom < m.MinZoom {
		return fmt.Errorf("maxzoom %d < minzoom %d", m.MaxZoom, m.MinZoom)
	}
	rows, err := m.rows()
	if err != nil {
		return err
	}
	if w.tx == nil { // no tile since the last batch, or none at all
		if err := w.begin(); err != nil {
			return err
		}
	}
	stmt, err := w.tx.Prepare(`INSERT INTO metadata (name, value) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.Exec(r[0], r[1]); err != nil {
			return fmt.Errorf("metadata %s: %w", r[0], err)
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	// ANALYZE lets the query planner pick the unique indexes for the view
	// join without guessing; it is cheap next to the build itself.
	if _, err := w.db.Exec(`ANALYZE`); err != nil {
		return err
	}
	if err := w.db.Close(); err != nil {
		return err
	}
	w.db = nil
	if err := syncFile(w.tmp); err != nil {
		return err
	}
	if err := os.Chmod(w.tmp, 0o644); err != nil {
		return err
	}
	// Again, in case something appeared at the path during the build.
	if err := CheckTarget(w.path); err != nil {
		return err
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return err
	}
	// Make the rename itself durable. Some file systems refuse to sync a
	// directory; the file is in place either way.
	_ = syncFile(filepath.Dir(w.path))
	w.lock.Close()
	w.lock = nil
	return nil
}

// Abort discards the file being written. The file at the final path, if any,
// is untouched. Abort after Commit is a no-op, so it can be deferred.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	w.done = true
	return w.cleanup()
}

// cleanup closes the database and removes the temporary file.
func (w *Writer) cleanup() error {
	var errs []error
	if w.tx != nil {
		w.putMap.Close()
		w.putImage.Close()
		_ = w.tx.Rollback() // with the journal off only closing matters
		w.tx = nil
	}
	if w.db != nil {
		errs = append(errs, w.db.Close())
		w.db = nil
	}
	if err := os.Remove(w.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	if w.lock != nil {
		w.lock.Close() // after the removal: the file stays locked until gone
		w.lock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mbtiles: abort %s: %w", w.path, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// uriPath escapes path for an SQLite "file:" URI.
func uriPath(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(path)
}
