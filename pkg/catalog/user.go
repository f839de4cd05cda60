package catalog

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"
)

// User is a person of an organisation who signs in to the web map. The
// password hash never leaves the package.
type User struct {
	Name         string `json:"name"`
	Org          string `json:"org"`
	Disabled     bool   `json:"disabled"`
	FailedLogins int    `json:"failed_logins"`
	LockedUntil  string `json:"locked_until,omitempty"`
	LastLoginAt  string `json:"last_login_at,omitempty"`
	CreatedAt    string `json:"created_at"`
}

// AddUser creates user name in organisation org with a password; Conflict
// if the name is taken. Admin only.
func (c *Catalog) AddUser(ctx context.Context, by Principal, name, org, password string) (User, error) {
	if err := by.RequireAdmin(); err != nil {
		return User{}, err
	}
	if err := checkID("user name", name); err != nil {
		return User{}, err
	}
	if !utf8.ValidString(password) {
		return User{}, errorf(Invalid, "the password is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || len(password) > MaxPasswordLen {
		return User{}, errorf(Invalid, "a password has %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	// Hash outside the transaction: it takes tens of milliseconds.
	hash := hashPassword(password, c.opts.Password)
	now := c.now() // one time for the User returned and the row stored
	u := User{Name: name, Org: org, CreatedAt: now.Format(rfc3339)}
	err := c.write(ctx, func(tx *sql.Tx) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM orgs WHERE id = ?`, org); err != nil || !ok {
			if err == nil {
				err = errorf(NotFound, "no organisation %q", clip(org))
			}
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM users WHERE name = ?`, name); err != nil || ok {
			if err == nil {
				err = errorf(Conflict, "user %q exists", name)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (name, org, password_hash, created_at) VALUES (?, ?, ?, ?)`,
			name, org, hash, fmtTime(now)); err != nil {
			return internal("add user", err)
		}
		return c.audit(ctx, tx, by, "user.add", "user:"+name, map[string]string{"org": org})
	})
	return u, err
}

// DisableUser disables user name (it can no longer sign in); Conflict if it
// is disabled already. Admin only.
func (c *Catalog) DisableUser(ctx context.Context, by Principal, name string) error {
	if err := by.RequireAdmin(); err != nil {
		return err
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		var disabled bool
		if err := tx.QueryRowContext(ctx, `SELECT disabled FROM users WHERE name = ?`, name).Scan(&disabled); err != nil {
			return notFound(err, "no user %q", clip(name))
		}
		if disabled {
			return errorf(Conflict, "user %q is disabled already", name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = 1 WHERE name = ?`, name); err != nil {
			return internal("disable user", err)
		}
		return c.audit(ctx, tx, by, "user.disable", "user:"+name, nil)
	})
}

// Login checks a user's password and returns the user's principal. A wrong
// password, an unknown or disabled user all give the same Unauthorized
// error; after MaxFailedLogins consecutive failures the user is locked for
// Lockout (audited as user.lock), and a locked user is refused without the
// password being checked.
func (c *Catalog) Login(ctx context.Context, name, password string) (Principal, error) {
	if len(password) > MaxPasswordLen {
		return Principal{}, errBadCredentials()
	}
	var (
		org, hash string
		disabled  bool
		locked    sql.NullString
	)
	err := c.db.QueryRowContext(ctx, `SELECT org, password_hash, disabled, locked_until FROM users WHERE name = ?`, name).
		Scan(&org, &hash, &disabled, &locked)
	if err == sql.ErrNoRows {
		// Spend the same time as for a real user, so that timing does
		// not tell which names exist.
		checkPassword(password, c.dummyHash())
		return Principal{}, errBadCredentials()
	}
	if err != nil {
		return Principal{}, internal("login", err)
	}
	now := c.now()
	if locked.Valid && now.Before(parseTime(locked.String)) {
		return Principal{}, errorf(Unauthorized, "too many failed sign-ins: try again later")
	}
	ok := checkPassword(password, hash)
	if ok && !disabled {
		_, err := c.db.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE name = ?`,
			fmtTime(now), name)
		if err != nil {
			return Principal{}, internal("login", err)
		}
		return Principal{Org: org, User: name}, nil
	}
	if !disabled {
		if err := c.loginFailed(ctx, name, now); err != nil {
			return Principal{}, err
		}
	}
	return Principal{}, errBadCredentials()
}

// loginFailed counts a failure and locks the user at the limit.
func (c *Catalog) loginFailed(ctx context.Context, name string, now time.Time) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE name = ? RETURNING failed_logins`, name).Scan(&n); err != nil {
			return internal("login", err)
		}
		if n < c.opts.MaxFailedLogins {
			return nil
		}
		until := now.Add(c.opts.Lockout)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = ? WHERE name = ?`, fmtTime(until), name); err != nil {
			return internal("login", err)
		}
		return c.audit(ctx, tx, System("login"), "user.lock", "user:"+name,
			map[string]any{"failures": n, "until": until.Format(rfc3339)})
	})
}

// dummyHash is a hash of nothing anyone knows, with the current cost,
// made once.
func (c *Catalog) dummyHash() string {
	c.dummyOnce.Do(func() { c.dummy = hashPassword("\x00no user\x00", c.opts.Password) })
	return c.dummy
}

// userColumns are the columns scanUser reads, in its order.
const userColumns = `name, org, disabled, failed_logins, locked_until, last_login_at, created_at`

// scanUser reads one row of userColumns.
func scanUser(r scanner) (User, error) {
	var u User
	var locked, last sql.NullString
	var at string
	if err := r.Scan(&u.Name, &u.Org, &u.Disabled, &u.FailedLogins, &locked, &last, &at); err != nil {
		return User{}, err
	}
	if locked.Valid {
		u.LockedUntil = parseTime(locked.String).Format(rfc3339)
	}
	if last.Valid {
		u.LastLoginAt = parseTime(last.String).Format(rfc3339)
	}
	u.CreatedAt = parseTime(at).Format(rfc3339)
	return u, nil
}

// User returns user name; NotFound if there is none. The server asks it
// on each request of a signed-in user, so that disabling a user ends the
// user's sessions at once.
func (c *Catalog) User(ctx context.Context, name string) (User, error) {
	u, err := scanUser(c.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if err != nil {
		return User{}, notFound(err, "no user %q", clip(name))
	}
	return u, nil
}

// Users lists the users by name.
func (c *Catalog) Users(ctx context.Context) ([]User, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, internal("list users", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, internal("list users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list users", err)
	}
	return out, nil
}
