package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Token format: "plt_" + 16 hex digits of id + "_" + 43 base64url characters
// of a 32-byte random secret. The id is not secret: it names the token in
// lists, logs and the audit log, and finds the row without scanning.
const (
	tokenPrefix    = "plt_"
	tokenIDBytes   = 8
	tokenSecretLen = 32
)

// lastUsedGranularity: Authenticate records a token's last use at most this
// often, so that a busy script does not turn every request into a write.
const lastUsedGranularity = time.Minute

// Token describes an API token. The secret is never stored or returned
// after creation; only its SHA-256 hash is kept.
type Token struct {
	ID         string `json:"id"`
	Org        string `json:"org,omitempty"` // empty for an admin token
	Admin      bool   `json:"admin"`
	Label      string `json:"label,omitempty"`
	CreatedAt  string `json:"created_at"`
	CreatedBy  string `json:"created_by"`
	RevokedAt  string `json:"revoked_at,omitempty"`
	LastUsedAt string `json:"last_used_at,omitempty"`
}

// Revoked reports whether the token was revoked.
func (t Token) Revoked() bool { return t.RevokedAt != "" }

// AddToken creates a token for organisation org, or an admin token when
// org is empty and admin is true, and returns it with its secret, the only
// time the secret is seen. Admin only.
func (c *Catalog) AddToken(ctx context.Context, by Principal, org string, admin bool, label string) (Token, string, error) {
	if err := by.RequireAdmin(); err != nil {
		return Token{}, "", err
	}
	if admin == (org != "") {
		return Token{}, "", errorf(Invalid, "a token is either for one organisation or admin, not both or neither")
	}
	if label != "" {
		var err error
		if label, err = cleanName("token label", label); err != nil {
			return Token{}, "", err
		}
	}
	idb := make([]byte, tokenIDBytes)
	secret := make([]byte, tokenSecretLen)
	rand.Read(idb) // crypto/rand.Read never fails (Go 1.24+)
	rand.Read(secret)
	now := c.now() // one time for the Token returned and the row stored
	t := Token{ID: hex.EncodeToString(idb), Org: org, Admin: admin, Label: label,
		CreatedAt: now.Format(rfc3339), CreatedBy: by.Actor()}
	full := tokenPrefix + t.ID + "_" + base64.RawURLEncoding.EncodeToString(secret)
	hash := tokenHash(full)
	var orgArg any
	if org != "" {
		orgArg = org
	}
	err := c.write(ctx, func(tx *sql.Tx) error {
		if org != "" {
			if ok, err := exists(ctx, tx, `SELECT 1 FROM orgs WHERE id = ?`, org); err != nil || !ok {
				if err == nil {
					err = errorf(NotFound, "no organisation %q", clip(org))
				}
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, hash, org, admin, label, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, hash, orgArg, admin, label, fmtTime(now), t.CreatedBy); err != nil {
			return internal("add token", err)
		}
		return c.audit(ctx, tx, by, "token.add", "token:"+t.ID, map[string]any{"org": org, "admin": admin, "label": label})
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, full, nil
}

// tokenHash is what the database keeps of a token: SHA-256 of the whole
// token string. A fast hash is right here (unlike for passwords): the
// secret has 256 bits of entropy, so there is nothing to brute-force.
func tokenHash(full string) []byte {
	h := sha256.Sum256([]byte(full))
	return h[:]
}

// TokenID returns the id part of a token string, or "" if it is not one.
// It lets a caller name a token (in a log) without showing its secret.
func TokenID(full string) string {
	rest, ok := strings.CutPrefix(full, tokenPrefix)
	if !ok {
		return ""
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 2*tokenIDBytes || len(secret) != base64.RawURLEncoding.EncodedLen(tokenSecretLen) {
		return ""
	}
	// Lowercase hex only: one spelling per id (hex.DecodeString would
	// take uppercase too).
	if strings.Trim(id, "0123456789abcdef") != "" {
		return ""
	}
	return id
}

// Authenticate returns the principal of a token string. Any failure
// (malformed, unknown, wrong secret, revoked) is the same Unauthorized
// error, so that a caller learns nothing about which tokens exist.
func (c *Catalog) Authenticate(ctx context.Context, full string) (Principal, error) {
	id := TokenID(full)
	if id == "" {
		return Principal{}, errBadCredentials()
	}
	var (
		hash     []byte
		org      sql.NullString
		admin    bool
		revoked  sql.NullString
		lastUsed sql.NullString
	)
	err := c.db.QueryRowContext(ctx, `SELECT hash, org, admin, revoked_at, last_used_at FROM tokens WHERE id = ?`, id).
		Scan(&hash, &org, &admin, &revoked, &lastUsed)
	if err == sql.ErrNoRows {
		// Compare anyway, so that an unknown id costs the same as a
		// wrong secret.
		secretEqual(tokenHash(full), make([]byte, sha256.Size))
		return Principal{}, errBadCredentials()
	}
	if err != nil {
		return Principal{}, internal("authenticate", err)
	}
	if !secretEqual(tokenHash(full), hash) || revoked.Valid {
		return Principal{}, errBadCredentials()
	}
	now := c.now()
	if !lastUsed.Valid || now.Sub(parseTime(lastUsed.String)) >= lastUsedGranularity {
		// Not audited: a use is not a change of the catalog.
		if _, err := c.db.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, fmtTime(now), id); err != nil {
			return Principal{}, internal("record token use", err)
		}
	}
	return Principal{Admin: admin, Org: org.String, Token: id}, nil
}

// secretEqual compares two secrets (or their hashes) in constant time.
// Every comparison of a secret in this package goes through it.
func secretEqual(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// RevokeToken revokes token id; Conflict if it was revoked already. Admin
// only.
func (c *Catalog) RevokeToken(ctx context.Context, by Principal, id string) error {
	if err := by.RequireAdmin(); err != nil {
		return err
	}
	if tid := TokenID(id); tid != "" {
		id = tid // a whole token was pasted: revoke it, never echo it back
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM tokens WHERE id = ?`, id).Scan(&revoked)
		if err != nil {
			return notFound(err, "no token %q", clip(id))
		}
		if revoked.Valid {
			return errorf(Conflict, "token %s was revoked already", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, fmtTime(c.now()), id); err != nil {
			return internal("revoke token", err)
		}
		return c.audit(ctx, tx, by, "token.revoke", "token:"+id, nil)
	})
}

// Tokens lists the tokens (without secrets, which are not stored) by
// creation time.
func (c *Catalog) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT id, org, admin, label, created_at, created_by, revoked_at, last_used_at
		FROM tokens ORDER BY created_at, rowid`)
	if err != nil {
		return nil, internal("list tokens", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var org, revoked, used sql.NullString
		var at string
		if err := rows.Scan(&t.ID, &org, &t.Admin, &t.Label, &at, &t.CreatedBy, &revoked, &used); err != nil {
			return nil, internal("list tokens", err)
		}
		t.Org = org.String
		t.CreatedAt = parseTime(at).Format(rfc3339)
		if revoked.Valid {
			t.RevokedAt = parseTime(revoked.String).Format(rfc3339)
		}
		if used.Valid {
			t.LastUsedAt = parseTime(used.String).Format(rfc3339)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list tokens", err)
	}
	return out, nil
}
