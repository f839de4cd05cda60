package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/publish"
)

// upload is one accepted upload waiting for, or in, a worker.
type upload struct {
	job      catalog.Job
	by       catalog.Principal
	hash     string // the raw upload in the catalog's sources
	name     string // the file name the pipeline sees (the uploaded one when safe)
	title    string
	owner    string
	encoding string
	crs      string

	existed bool // the layer existed when the upload was accepted

	after *upload       // the previous upload of the same layer, if still unfinished when this one was queued
	done  chan struct{} // closed when this upload's job has ended
}

// uploader runs upload jobs in the background: at most workers publishes
// at once, at most queue more waiting. A slot is taken before an upload's
// body is read and given back when its job ends, so bodies being received
// count too, and a full server answers 503 before reading anything.
type uploader struct {
	s        *Server
	cat      *catalog.Catalog
	base     publish.Request // policies, limits and workers of every upload
	maxBytes int64

	slots chan struct{}
	queue chan *upload

	ctx    context.Context // cancelled by close: in-flight publishes stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards closed, last and sends on queue against close
	closed bool
	last   map[string]*upload // the newest unfinished upload of each layer
}

// progressEvery is how often at most a running job's progress is written
// to the catalog (a new step is written at once).
const progressEvery = 500 * time.Millisecond

func newUploader(s *Server, cat *catalog.Catalog, cfg config.Config) *uploader {
	q := publish.Defaults()
	q.Invalid = publish.InvalidPolicy(cfg.UploadInvalid)  // validated
	q.Outliers = ingest.OutlierPolicy(cfg.UploadOutliers) // validated
	q.Workers = cfg.UploadBuildWorkers
	q.Limits = feature.DefaultLimits()
	q.Limits.Features = cfg.UploadMaxFeatures
	q.MaxSourceBytes = int64(cfg.MaxUploadMB) << 20 // the library refuses it too
	ctx, cancel := context.WithCancel(context.Background())
	u := &uploader{s: s, cat: cat, base: q, maxBytes: int64(cfg.MaxUploadMB) << 20,
		slots: make(chan struct{}, cfg.UploadWorkers+cfg.UploadQueue),
		queue: make(chan *upload, cfg.UploadWorkers+cfg.UploadQueue),
		ctx:   ctx, cancel: cancel, last: map[string]*upload{}}
	for range cfg.UploadWorkers {
		u.wg.Add(1)
		go u.work()
	}
	return u
}

// reserve takes a slot for an upload; false when every slot is taken or
// the server is stopping.
func (u *uploader) reserve() bool {
	if u.ctx.Err() != nil {
		return false
	}
	select {
	case u.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (u *uploader) release() { <-u.slots }

// enqueue hands an upload with a reserved slot to the workers. It cannot
// block: the queue holds as many as there are slots. Uploads of one layer
// publish in the order they were queued, whatever the number of workers,
// so an older upload never becomes current after a newer one.
func (u *uploader) enqueue(up *upload) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return errors.New("the server is stopping")
	}
	up.done = make(chan struct{})
	up.after = u.last[up.job.Layer]
	u.last[up.job.Layer] = up
	u.queue <- up
	return nil
}

// finish marks up's job ended, letting the next upload of its layer run.
func (u *uploader) finish(up *upload) {
	u.mu.Lock()
	if u.last[up.job.Layer] == up {
		delete(u.last, up.job.Layer)
	}
	u.mu.Unlock()
	close(up.done)
	u.release()
}

func (u *uploader) work() {
	defer u.wg.Done()
	for {
		select {
		case <-u.ctx.Done():
			return
		case up := <-u.queue:
			u.run(up)
			u.finish(up)
		}
	}
}

// close stops the uploader: publishes in flight are cancelled and their
// jobs marked failed, queued jobs are marked failed; it returns when the
// workers have stopped.
func (u *uploader) close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.cancel()
	u.wg.Wait()
	for {
		select {
		case up := <-u.queue:
			u.fail(up, 0, errStopped)
			u.finish(up)
		default:
			return
		}
	}
}

var errStopped = errors.New("the server stopped before this upload was published; upload it again")

// run publishes one upload and records the outcome in its job.
func (u *uploader) run(up *upload) {
	log := u.s.log.With("job", up.job.ID, "layer", up.job.Layer)
	ctx := u.ctx
	if up.after != nil {
		select {
		case <-up.after.done:
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		u.fail(up, 0, errStopped)
		return
	}
	if up.existed {
		// Deleted while this upload waited: publishing would create the
		// layer again, which its deleter did not ask for.
		if _, err := u.cat.Layer(ctx, up.job.Layer); catalog.ErrorKind(err) == catalog.NotFound {
			u.fail(up, 0, fmt.Errorf("layer %s was deleted after this upload was accepted; upload again to create it anew", up.job.Layer))
			return
		}
	}
	if _, err := u.cat.UpdateJob(ctx, up.by, up.job.ID, catalog.JobUpdate{State: catalog.JobRunning, Step: publish.StepRead}); err != nil {
		log.Error("api: job cannot start", "err", err)
		u.fail(up, 0, err)
		return
	}
	// The pipeline reads files by their extension: the stored upload is
	// linked (or copied) under its name into a hidden directory, which
	// publish.Recover removes after a crash.
	work, err := os.MkdirTemp(u.cat.Path("sources"), ".job-")
	if err != nil {
		u.fail(up, 0, err)
		return
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, up.name)
	if err := linkOrCopy(u.cat.Path(catalog.SourceFile(up.hash)), src); err != nil {
		u.fail(up, 0, err)
		return
	}
	q := u.base
	q.Sources = []string{src}
	q.SrcCRS, q.Encoding = up.crs, up.encoding
	q.Logger = log
	start := time.Now()
	cv, _, err := publish.PublishVersion(ctx, u.cat, publish.Version{
		Layer:   up.job.Layer,
		By:      up.by,
		New:     catalog.NewVersion{Title: up.title, Owner: up.owner, SourceHash: up.hash, Job: up.job.ID},
		Request: q,
	}, u.s.reg, u.progress(ctx, up, log))
	if err != nil {
		if ctx.Err() != nil {
			err = errStopped
		}
		rs, msg := scrub(err, work, u.cat.Dir())
		log.Info("api: upload failed", "version", cv.Number, "err", msg)
		u.failWith(up, cv.Number, rs, msg)
		return
	}
	if _, err := u.cat.UpdateJob(context.WithoutCancel(ctx), up.by, up.job.ID, catalog.JobUpdate{
		State: catalog.JobSucceeded, Progress: 1, Version: cv.Number}); err != nil {
		log.Error("api: cannot record a published job", "version", cv.Number, "err", err)
		return
	}
	log.Info("api: upload published", "version", cv.Number, "took", time.Since(start).Round(time.Millisecond))
}

// progress returns the pipeline's progress callback for up: it writes the
// job's step, done and total to the catalog, at once on a new step and at
// most every progressEvery otherwise.
func (u *uploader) progress(ctx context.Context, up *upload, log *slog.Logger) func(publish.Event) {
	var last time.Time
	step := publish.StepRead
	return func(e publish.Event) {
		now := time.Now()
		if e.Step == step && now.Sub(last) < progressEvery && e.Done != e.Total {
			return
		}
		step, last = e.Step, now
		if _, err := u.cat.UpdateJob(ctx, up.by, up.job.ID, catalog.JobUpdate{
			Step: e.Step, Done: int64(e.Done), Total: int64(e.Total), Progress: fraction(e)}); err != nil && ctx.Err() == nil {
			log.Warn("api: cannot record progress", "err", err)
		}
	}
}

// fraction places an event on 0..1: reading to 10%, tiling to 90%,
// writing the rest.
func fraction(e publish.Event) float64 {
	f := 0.0
	if e.Total > 0 {
		f = float64(e.Done) / float64(e.Total)
	}
	switch e.Step {
	case publish.StepRead:
		return 0.1 * f
	case publish.StepTile:
		return 0.1 + 0.8*f
	}
	return 0.9 + 0.1*f
}

// fail marks up's job failed with the reasons of err; version is the
// version recorded, 0 if none.
func (u *uploader) fail(up *upload, version int, err error) {
	rs, msg := scrub(err, "", u.cat.Dir())
	u.failWith(up, version, rs, msg)
}

func (u *uploader) failWith(up *upload, version int, rs []publish.Reason, msg string) {
	if rs == nil {
		rs = []publish.Reason{}
	}
	b, _ := json.Marshal(rs)
	if _, uerr := u.cat.UpdateJob(context.WithoutCancel(u.ctx), up.by, up.job.ID, catalog.JobUpdate{
		State: catalog.JobFailed, Version: version, Reasons: b, Error: msg}); uerr != nil {
		u.s.log.Error("api: cannot record a failed job", "job", up.job.ID, "err", uerr)
	}
}

// scrub words err as reasons and a one-line message in which no path of
// the server shows: the job's work directory and the data directory are
// cut, leaving the uploaded file's name (and a zip member's).
func scrub(err error, work, data string) ([]publish.Reason, string) {
	rs := publish.Reasons(err)
	for i := range rs {
		rs[i].File = clean(rs[i].File, work, data)
		rs[i].Cause = clean(rs[i].Cause, work, data)
	}
	return rs, firstLine(clean(err.Error(), work, data))
}

func clean(s, work, data string) string {
	if work != "" {
		s = strings.ReplaceAll(s, work+string(filepath.Separator), "")
		s = strings.ReplaceAll(s, work, "")
	}
	// The server's name for the feature limit, not build's flag.
	s = strings.ReplaceAll(s, "raise it with "+feature.FlagFeatures, "the server's upload_max_features")
	// The pipeline's package prefix says nothing to the uploader.
	return strings.TrimPrefix(strings.ReplaceAll(s, data, "DATA"), "publish: ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// linkOrCopy makes dst a hard link to src, or a copy where links fail.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy upload: %w", err)
	}
	return out.Close()
}
