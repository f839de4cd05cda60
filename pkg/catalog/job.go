package catalog

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// JobState is an upload job's state: queued, running, then succeeded or
// failed (the two final states).
type JobState string

// The job states.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
)

// Final reports whether s is an end state.
func (s JobState) Final() bool { return s == JobSucceeded || s == JobFailed }

// Job is an upload being processed.
type Job struct {
	ID        string          `json:"id"`
	Layer     string          `json:"layer"`
	Org       string          `json:"org"`
	Version   int             `json:"version,omitempty"` // 0 until a version is recorded
	State     JobState        `json:"state"`
	Step      string          `json:"step,omitempty"`  // the pipeline's step name
	Done      int64           `json:"done"`            // units of Step done...
	Total     int64           `json:"total"`           // ...of this many (0: unknown)
	Progress  float64         `json:"progress"`        // 0..1
	Reasons   json.RawMessage `json:"reasons"`         // a JSON array, on failure
	Error     string          `json:"error,omitempty"` // one line, on failure
	CreatedBy string          `json:"created_by"`
	CreatedAt string          `json:"created_at"`
	UpdatedAt string          `json:"updated_at"`
}

// JobUpdate changes a job; zero fields are left as they are, except that
// Done and Total are recorded whenever Step is set (a new step starts at
// 0 of its total).
type JobUpdate struct {
	State       JobState
	Step        string
	Done, Total int64
	Progress    float64 // recorded when > 0
	Version     int
	Reasons     json.RawMessage
	Error       string
}

// AddJob records a queued upload job for layer on behalf of org. by must
// be able to act for org.
func (c *Catalog) AddJob(ctx context.Context, by Principal, layer, org string) (Job, error) {
	if err := checkID("layer id", layer); err != nil {
		return Job{}, err
	}
	if err := by.CanActFor(org); err != nil {
		return Job{}, err
	}
	b := make([]byte, 16)
	rand.Read(b)
	now := c.now()
	j := Job{ID: hex.EncodeToString(b), Layer: layer, Org: org, State: JobQueued, Reasons: json.RawMessage("[]"),
		CreatedBy: by.Actor(), CreatedAt: now.Format(rfc3339), UpdatedAt: now.Format(rfc3339)}
	err := c.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, layer, org, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, j.ID, layer, org, string(JobQueued), j.CreatedBy, fmtTime(now), fmtTime(now)); err != nil {
			if ok, _ := exists(ctx, tx, `SELECT 1 FROM orgs WHERE id = ?`, org); !ok {
				return errorf(NotFound, "no organisation %q", clip(org))
			}
			return internal("add job", err)
		}
		return c.audit(ctx, tx, by, "job.add", "job:"+j.ID, map[string]string{"layer": layer, "org": org})
	})
	return j, err
}

// UpdateJob moves a job along. Progress and step updates are not audited
// (they are many, and change nothing durable); changes of state are. A
// final job cannot change (Conflict), nor can a job go back to queued.
func (c *Catalog) UpdateJob(ctx context.Context, by Principal, id string, u JobUpdate) (Job, error) {
	var j Job
	err := c.write(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = c.job(ctx, tx, id); err != nil {
			return err
		}
		if j.State.Final() {
			return errorf(Conflict, "job %s has %s already", id, j.State)
		}
		now := c.now()
		changed := u.State != "" && u.State != j.State
		if u.State != "" {
			switch u.State {
			case JobRunning, JobSucceeded, JobFailed:
			default:
				return errorf(Invalid, "job state %q cannot be set", clip(string(u.State)))
			}
			j.State = u.State
		}
		if u.Step != "" {
			j.Step, j.Done, j.Total = u.Step, max(u.Done, 0), max(u.Total, 0)
		}
		if u.Error != "" {
			j.Error = u.Error
		}
		if u.Progress > 0 {
			j.Progress = min(u.Progress, 1)
		}
		if u.Version > 0 {
			j.Version = u.Version
		}
		if u.Reasons != nil {
			var arr []json.RawMessage
			if err := json.Unmarshal(u.Reasons, &arr); err != nil {
				return errorf(Invalid, "job reasons are not a JSON array: %v", err)
			}
			j.Reasons = u.Reasons
		}
		j.UpdatedAt = now.Format(rfc3339)
		var version any
		if j.Version > 0 {
			version = j.Version
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, step = ?, done = ?, total = ?, progress = ?, version = ?, reasons = ?, error = ?, updated_at = ? WHERE id = ?`,
			string(j.State), j.Step, j.Done, j.Total, j.Progress, version, string(j.Reasons), j.Error, fmtTime(now), id); err != nil {
			return internal("update job", err)
		}
		if changed {
			return c.audit(ctx, tx, by, "job."+string(j.State), "job:"+id, map[string]any{"layer": j.Layer, "version": j.Version})
		}
		return nil
	})
	return j, err
}

const jobSelect = `SELECT id, layer, org, COALESCE(version, 0), state, step, done, total, progress, reasons, error, created_by, created_at, updated_at FROM jobs`

func scanJob(r scanner) (Job, error) {
	var j Job
	var st, reasons, created, updated string
	if err := r.Scan(&j.ID, &j.Layer, &j.Org, &j.Version, &st, &j.Step, &j.Done, &j.Total, &j.Progress, &reasons, &j.Error, &j.CreatedBy, &created, &updated); err != nil {
		return Job{}, notFound(err, "no such job")
	}
	j.State = JobState(st)
	j.Reasons = json.RawMessage(reasons)
	j.CreatedAt = parseTime(created).Format(rfc3339)
	j.UpdatedAt = parseTime(updated).Format(rfc3339)
	return j, nil
}

func (c *Catalog) job(ctx context.Context, tx *sql.Tx, id string) (Job, error) {
	j, err := scanJob(tx.QueryRowContext(ctx, jobSelect+` WHERE id = ?`, id))
	if ErrorKind(err) == NotFound {
		return Job{}, errorf(NotFound, "no job %q", clip(id))
	}
	return j, err
}

// Job returns job id. Callers check that the asker may see it
// (Principal.CanActFor(job.Org)).
func (c *Catalog) Job(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(c.db.QueryRowContext(ctx, jobSelect+` WHERE id = ?`, id))
	if ErrorKind(err) == NotFound {
		return Job{}, errorf(NotFound, "no job %q", clip(id))
	}
	return j, err
}

// InterruptedCause is the reason RecoverInterrupted gives a job or version
// that a stopped process left unfinished.
const InterruptedCause = "interrupted: the server stopped before this upload finished; upload it again"

// Recovered is what RecoverInterrupted found and marked failed.
type Recovered struct {
	Jobs     []string  // ids of the jobs that were queued or running, marked failed
	Versions []Version // versions that were pending or building; their files are partial or missing
}

// RecoverInterrupted is the crash-recovery hook for startup: jobs left
// queued or running and versions left pending or building by a process
// that stopped (crashed, killed) are marked failed with a reason, in one
// audited transaction. A job whose version was published before the stop
// (the process died between the catalog commit and the job's last
// update) is marked succeeded instead: its version is what serves. It
// must run before any new job starts. The caller removes whatever files
// the returned versions may have left.
func (c *Catalog) RecoverInterrupted(ctx context.Context, by Principal) (Recovered, error) {
	var rec Recovered
	// Worded like the publish pipeline's reasons (file, feature, cause), so
	// a client reads every failed job the same way.
	reason, _ := json.Marshal([]map[string]any{{"file": "", "feature": 0, "cause": InterruptedCause}})
	err := c.write(ctx, func(tx *sql.Tx) error {
		rec = Recovered{}
		rows, err := tx.QueryContext(ctx, `SELECT j.id, COALESCE(v.status, '') FROM jobs j
			LEFT JOIN versions v ON v.layer = j.layer AND v.number = j.version
			WHERE j.state IN ('queued', 'running') ORDER BY j.created_at, j.rowid`)
		if err != nil {
			return internal("recover", err)
		}
		var done []string
		for rows.Next() {
			var id, st string
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return internal("recover", err)
			}
			if Status(st) == Published || Status(st) == Retired {
				done = append(done, id)
			} else {
				rec.Jobs = append(rec.Jobs, id)
			}
		}
		rows.Close()
		rows, err = tx.QueryContext(ctx, `SELECT layer, number, file, status FROM versions WHERE status IN ('pending', 'building') ORDER BY layer, number`)
		if err != nil {
			return internal("recover", err)
		}
		for rows.Next() {
			var v Version
			var st string
			if err := rows.Scan(&v.Layer, &v.Number, &v.File, &st); err != nil {
				rows.Close()
				return internal("recover", err)
			}
			v.Status = Status(st)
			rec.Versions = append(rec.Versions, v)
		}
		rows.Close()
		now := fmtTime(c.now())
		for _, id := range done {
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'succeeded', progress = 1, updated_at = ? WHERE id = ?`, now, id); err != nil {
				return internal("recover", err)
			}
			if err := c.audit(ctx, tx, by, "job.succeeded", "job:"+id, map[string]string{"reason": "published before the server stopped"}); err != nil {
				return err
			}
		}
		for _, id := range rec.Jobs {
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'failed', reasons = ?, error = ?, updated_at = ? WHERE id = ?`, string(reason), InterruptedCause, now, id); err != nil {
				return internal("recover", err)
			}
			if err := c.audit(ctx, tx, by, "job.failed", "job:"+id, map[string]string{"reason": "interrupted"}); err != nil {
				return err
			}
		}
		for _, v := range rec.Versions {
			if _, err := tx.ExecContext(ctx, `UPDATE versions SET status = 'failed', messages = ?, updated_at = ? WHERE layer = ? AND number = ?`,
				string(reason), now, v.Layer, v.Number); err != nil {
				return internal("recover", err)
			}
			if err := c.audit(ctx, tx, by, "version.fail", fmt.Sprintf("layer:%s/v%d", v.Layer, v.Number), map[string]string{"reason": "interrupted"}); err != nil {
				return err
			}
		}
		return nil
	})
	return rec, err
}
