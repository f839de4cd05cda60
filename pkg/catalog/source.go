package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// StoreSource copies a raw upload into the data directory, named by its
// SHA-256 (sources/ab/abcdef...), and returns the hash and the size. The
// same bytes uploaded twice are stored once. At most max bytes are read:
// more is an Invalid error and nothing is kept. The file appears under its
// final name only when complete (written to a temporary file, synced, then
// renamed), so a crash never leaves a partial source that looks whole.
func (c *Catalog) StoreSource(r io.Reader, max int64) (hash string, size int64, err error) {
	dir := filepath.Join(c.dir, "sources")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, internal("store source", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", 0, internal("store source", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err != nil {
		return "", 0, internal("store source", err)
	}
	if size > max {
		return "", 0, errorf(Invalid, "upload is larger than %d bytes", max)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, internal("store source", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, internal("store source", err)
	}
	hash = hex.EncodeToString(h.Sum(nil))
	final := c.Path(SourceFile(hash))
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return "", 0, internal("store source", err)
	}
	if _, err := os.Stat(final); err == nil {
		return hash, size, nil // stored already; the deferred cleanup drops the copy
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", 0, internal("store source", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, internal("store source", err)
	}
	tmp = nil
	return hash, size, nil
}

// SourceFile is where the raw upload of a hash lives, relative to the data
// directory.
func SourceFile(hash string) string {
	if len(hash) < 2 {
		return "sources/" + hash
	}
	return "sources/" + hash[:2] + "/" + hash
}
