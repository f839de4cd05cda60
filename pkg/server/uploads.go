package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/gorilla/mux"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/source"
)

// The kinds of upload the API takes, by the extension the pipeline reads
// them with.
const (
	extZip     = ".zip"
	extGeoJSON = ".geojson"
)

// maxOptionBytes bounds an option's value (title, encoding, crs, owner),
// as a form field or a query parameter.
const maxOptionBytes = 1024

// uploadOptions are an upload's optional settings.
type uploadOptions struct {
	title, encoding, crs, owner string
}

// set records one option by its name; false for a name that is not one.
func (o *uploadOptions) set(name, v string) (bool, error) {
	if len(v) > maxOptionBytes {
		return true, errorf(KindInvalid, "option %s is longer than %d bytes", name, maxOptionBytes)
	}
	switch name {
	case "title":
		o.title = v
	case "encoding":
		o.encoding = v
	case "crs":
		o.crs = v
	case "owner":
		o.owner = v
	default:
		return false, nil
	}
	return true, nil
}

// handleUpload is POST /api/layers/{id}/versions: it authenticates,
// authorises against the layer (or, for a new layer, the organisation
// that will own it) before reading the body, streams the body into the
// catalog's content-addressed sources under the size cap, records a
// queued job and answers 202 with the job's URL; a worker publishes it.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		// An upload refused before its body was read: answer at once and
		// close, rather than net/http reading on (a chunked body) first.
		if err != nil {
			w.Header().Set("Connection", "close")
		}
	}()
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	if !catalog.ValidID(id) {
		return errorf(KindInvalid, "layer id %q is not a safe id: use 1 to %d lowercase letters a-z, digits, '-' or '_', starting with a letter or digit", clip(id), catalog.MaxIDLen)
	}
	var opts uploadOptions
	for name, vs := range r.URL.Query() {
		if ok, err := opts.set(name, vs[0]); err != nil {
			return err
		} else if !ok {
			return errorf(KindInvalid, "unknown query parameter %q (title, encoding, crs, owner)", clip(name))
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.UploadTimeout)
	defer cancel()
	wantOwner := opts.owner
	owner, existed, err := s.uploadOwner(ctx, p, id, wantOwner)
	if err != nil {
		return err
	}
	max := s.uploads.maxBytes
	if r.ContentLength > max+(1<<20) || (r.ContentLength > max && !isMultipart(r)) {
		return tooLarge(s.cfg.MaxUploadMB)
	}
	ext, multipart, err := uploadKind(r)
	if err != nil {
		return err
	}
	if !s.uploads.reserve() {
		return &Err{Kind: KindUnavailable, RetryAfter: 30,
			Detail: fmt.Sprintf("the upload queue is full (upload_workers %d, upload_queue %d); try again later", s.cfg.UploadWorkers, s.cfg.UploadQueue)}
	}
	queued := false
	defer func() {
		if !queued {
			s.uploads.release()
		}
	}()
	// The body may take longer than write_timeout to arrive: this request
	// has upload_timeout instead.
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(s.cfg.UploadTimeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline.Add(s.cfg.WriteTimeout))
	// A multipart body holds a little more than the file.
	r.Body = http.MaxBytesReader(w, r.Body, max+(1<<20))

	var hash, name string
	if multipart {
		hash, name, err = s.storeMultipart(r, &opts)
	} else {
		hash, err = s.storeSource(r.Body, ext)
		name = id + ext
	}
	if err != nil {
		return err
	}
	if opts.owner != wantOwner {
		return errorf(KindInvalid, "give owner as a query parameter, so that it is checked before the upload")
	}
	job, err := s.cat.AddJob(ctx, p, id, owner)
	if err != nil {
		return apiError(err)
	}
	up := &upload{job: job, by: p, hash: hash, name: name, title: opts.title, owner: owner,
		encoding: opts.encoding, crs: opts.crs, existed: existed}
	if err := s.uploads.enqueue(up); err != nil {
		s.uploads.fail(up, 0, errStopped)
		return &Err{Kind: KindUnavailable, Detail: "the server is stopping; upload again later"}
	}
	queued = true
	s.log.Info("api: upload accepted", "job", job.ID, "layer", id, "by", p.Actor(), "file", name, "sha256", hash)
	doc := s.jobDoc(r, job)
	w.Header().Set("Location", doc.URL)
	return s.writeStatusJSON(w, r, http.StatusAccepted, doc)
}

// uploadOwner checks, before the body is read, that p may upload to layer
// id and returns the organisation owning it (for a new layer: want, or
// p's own organisation).
func (s *Server) uploadOwner(ctx context.Context, p catalog.Principal, id, want string) (owner string, existed bool, err error) {
	l, err := s.cat.Layer(ctx, id)
	switch {
	case err == nil:
		if err := p.CanModifyLayer(l); err != nil {
			return "", false, apiError(err)
		}
		if want != "" && want != l.Owner {
			return "", false, errorf(KindConflict, "layer %s is owned by %s already: owner cannot change", id, l.Owner)
		}
		return l.Owner, true, nil
	case catalog.ErrorKind(err) != catalog.NotFound:
		return "", false, err
	}
	owner = want
	if owner == "" {
		owner = p.Org
	}
	if owner == "" {
		return "", false, errorf(KindInvalid, "layer %s is new: an admin token must name its owner organisation (owner=ORG)", id)
	}
	if err := p.CanActFor(owner); err != nil {
		return "", false, apiError(err)
	}
	if _, err := s.cat.Org(ctx, owner); err != nil {
		return "", false, apiError(err)
	}
	return owner, false, nil
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// uploadKind reads the Content-Type: multipart/form-data, a zip or a
// GeoJSON body.
func uploadKind(r *http.Request) (ext string, multipart bool, err error) {
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr != nil && ct != "" {
		return "", false, errorf(KindUnsupportedMedia, "Content-Type %q cannot be parsed", clip(ct))
	}
	switch mt {
	case "multipart/form-data":
		return "", true, nil
	case "application/zip", "application/x-zip-compressed":
		return extZip, false, nil
	case "application/geo+json", "application/json":
		return extGeoJSON, false, nil
	}
	return "", false, errorf(KindUnsupportedMedia,
		"Content-Type %q is not an upload: send multipart/form-data (field file), application/zip (a zipped shapefile) or application/geo+json", clip(ct))
}

// storeSource streams one file into the catalog's sources after checking
// that it starts like what it claims to be.
func (s *Server) storeSource(body io.Reader, ext string) (string, error) {
	br := bufio.NewReader(body)
	if err := sniff(br, ext); err != nil {
		return "", err
	}
	c := &capReader{r: br, left: s.uploads.maxBytes}
	hash, _, err := s.cat.StoreSource(c, s.uploads.maxBytes)
	switch {
	case err == nil:
		return hash, nil
	case c.over || errors.As(err, new(*http.MaxBytesError)):
		return "", tooLarge(s.cfg.MaxUploadMB)
	case catalog.ErrorKind(err) == catalog.Invalid: // StoreSource's own cap
		return "", tooLarge(s.cfg.MaxUploadMB)
	case c.readErr != nil:
		return "", errorf(KindInvalid, "the upload was cut short: %v", c.readErr)
	}
	return "", err
}

// storeMultipart reads a multipart/form-data body: the file part (field
// file) is streamed into the sources, option fields are read into opts,
// other fields are skipped. It returns the stored hash and the name the
// pipeline reads the file under.
func (s *Server) storeMultipart(r *http.Request, opts *uploadOptions) (hash, name string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", errorf(KindInvalid, "bad multipart body: %v", err)
	}
	const maxParts = 32
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.As(err, new(*http.MaxBytesError)) {
				return "", "", tooLarge(s.cfg.MaxUploadMB)
			}
			return "", "", errorf(KindInvalid, "bad multipart body: %v", err)
		}
		if n >= maxParts {
			return "", "", errorf(KindInvalid, "more than %d parts in the multipart body", maxParts)
		}
		field := part.FormName()
		if field == "file" {
			if hash != "" {
				return "", "", errorf(KindInvalid, "more than one file in the upload: send one zip or GeoJSON file")
			}
			ext, base := partKind(part.FileName(), part.Header.Get("Content-Type"))
			if ext == "" {
				return "", "", errorf(KindUnsupportedMedia, "file %q is neither a .zip (zipped shapefile) nor GeoJSON (.geojson, .json)", clip(part.FileName()))
			}
			if hash, err = s.storeSource(part, ext); err != nil {
				return "", "", err
			}
			name = base + ext
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxOptionBytes+1))
		if err != nil {
			return "", "", errorf(KindInvalid, "bad multipart body: %v", err)
		}
		if _, err := opts.set(field, string(v)); err != nil {
			return "", "", err
		}
		// Other fields (a form's submit button, a CSRF token) are skipped.
	}
	if hash == "" {
		return "", "", errorf(KindInvalid, "no file in the upload: send it as the multipart field \"file\"")
	}
	return hash, name, nil
}

// partKind picks the kind of a multipart file from its name, else its
// Content-Type, and the base name the pipeline will name the file (and
// hence a GeoJSON layer) by: the uploaded name's when it is a safe name,
// else "upload".
func partKind(filename, ct string) (ext, base string) {
	f := filepath.Base(strings.ReplaceAll(filename, `\`, "/"))
	e := strings.ToLower(filepath.Ext(f))
	stem := strings.TrimSuffix(f, filepath.Ext(f))
	switch e {
	case ".zip":
		ext = extZip
	case ".geojson", ".json":
		ext = extGeoJSON
	default:
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/zip", "application/x-zip-compressed":
			ext = extZip
		case "application/geo+json", "application/json":
			ext = extGeoJSON
		default:
			return "", ""
		}
	}
	if !safeFileStem(stem) {
		stem = "upload"
	}
	return ext, stem
}

// safeFileStem accepts 1 to 100 letters (any script), digits, '-', '_'
// and '.', not starting with '.': a name that is one path element.
func safeFileStem(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' {
		return false
	}
	for _, c := range s {
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
		case unicode.IsLetter(c), unicode.IsDigit(c), unicode.Is(unicode.Mn, c):
		default:
			return false
		}
	}
	return true
}

// sniff checks that a body holds its kind, by its first bytes
// (source.SniffBytes, what the pipeline reads by too): a zip, or GeoJSON
// (an object or a text sequence). A refusal says what the body is instead
// ("this is a PNG image").
func sniff(br *bufio.Reader, ext string) error {
	head, _ := br.Peek(source.SniffLen)
	kind, what := source.SniffBytes(head)
	switch {
	case ext == extZip && kind != source.Zip:
		return errorf(KindUnsupportedMedia, "the upload is not a zip file: this is %s", what)
	case ext == extGeoJSON && kind != source.GeoJSON:
		return errorf(KindUnsupportedMedia, "the upload is not GeoJSON: this is %s", what)
	}
	return nil
}

// capReader reads at most left bytes; more sets over (the body is over
// max_upload_mb while streaming, whatever Content-Length said).
type capReader struct {
	r       io.Reader
	left    int64
	over    bool
	readErr error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		c.over = true
		return 0, errUploadTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.over = true
		return n, errUploadTooLarge
	}
	if err != nil && err != io.EOF {
		c.readErr = err
	}
	return n, err
}

var errUploadTooLarge = errors.New("upload over max_upload_mb")

func tooLarge(mb int) error {
	return errorf(KindTooLarge, "the upload is larger than max_upload_mb (%d MiB)", mb)
}
