package catalog

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// OrgKind is the kind of an organisation. The set is closed (the database
// refuses others):
//
//   - province: the Provincial People's Committee (UBND tỉnh) itself;
//   - department: a provincial department or board (Sở Xây dựng...);
//   - commune, ward: the 75 commune-level units since 1 July 2025
//     (67 communes, 8 wards in Son La);
//   - former-district: one of the 12 districts abolished on 1 July 2025,
//     whose layers still circulate;
//   - other: anyone else allowed to publish (a consultant, the bundled demo).
type OrgKind string

// The organisation kinds.
const (
	KindProvince       OrgKind = "province"
	KindDepartment     OrgKind = "department"
	KindCommune        OrgKind = "commune"
	KindWard           OrgKind = "ward"
	KindFormerDistrict OrgKind = "former-district"
	KindOther          OrgKind = "other"
)

// OrgKinds lists the kinds, in the order a person would read them.
func OrgKinds() []OrgKind {
	return []OrgKind{KindProvince, KindDepartment, KindCommune, KindWard, KindFormerDistrict, KindOther}
}

// Valid reports whether k is one of OrgKinds.
func (k OrgKind) Valid() bool {
	for _, v := range OrgKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Org is an organisation that owns layers.
type Org struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"` // NFC
	Kind      OrgKind `json:"kind"`
	CreatedAt string  `json:"created_at"`
}

func (c *Catalog) checkOrg(id, name string, kind OrgKind) (string, error) {
	if err := checkID("organisation id", id); err != nil {
		return "", err
	}
	if !kind.Valid() {
		ks := make([]string, 0, 6)
		for _, k := range OrgKinds() {
			ks = append(ks, string(k))
		}
		return "", errorf(Invalid, "organisation kind %q is not one of %s", clip(string(kind)), strings.Join(ks, ", "))
	}
	return cleanName("organisation name", name)
}

// AddOrg creates an organisation; Conflict if the id exists. Admin only.
func (c *Catalog) AddOrg(ctx context.Context, by Principal, id, name string, kind OrgKind) (Org, error) {
	if err := by.RequireAdmin(); err != nil {
		return Org{}, err
	}
	name, err := c.checkOrg(id, name, kind)
	if err != nil {
		return Org{}, err
	}
	now := c.now().UTC()
	o := Org{ID: id, Name: name, Kind: kind, CreatedAt: now.Format(rfc3339)}
	err = c.write(ctx, func(tx *sql.Tx) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM orgs WHERE id = ?`, id); err != nil || ok {
			if ok {
				return errorf(Conflict, "organisation %q exists", id)
			}
			return err
		}
		return c.insertOrg(ctx, tx, by, o, now)
	})
	return o, err
}

// EnsureOrg creates the organisation if it does not exist and returns it as
// stored (an existing one is left unchanged, whatever name and kind say).
// Startup uses it for the demo's owner, "demo".
func (c *Catalog) EnsureOrg(ctx context.Context, by Principal, id, name string, kind OrgKind) (Org, error) {
	if err := by.RequireAdmin(); err != nil {
		return Org{}, err
	}
	name, err := c.checkOrg(id, name, kind)
	if err != nil {
		return Org{}, err
	}
	var o Org
	err = c.write(ctx, func(tx *sql.Tx) error {
		got, err := scanOrg(tx.QueryRowContext(ctx, orgSelect+` WHERE id = ?`, id))
		if err == nil {
			o = got
			return nil
		}
		if ErrorKind(err) != NotFound {
			return err
		}
		now := c.now().UTC()
		o = Org{ID: id, Name: name, Kind: kind, CreatedAt: now.Format(rfc3339)}
		return c.insertOrg(ctx, tx, by, o, now)
	})
	return o, err
}

// insertOrg stores o, created at now: the time o.CreatedAt shows, so that
// the Org returned equals the one read back.
func (c *Catalog) insertOrg(ctx context.Context, tx *sql.Tx, by Principal, o Org, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, name, kind, created_at) VALUES (?, ?, ?, ?)`,
		o.ID, o.Name, string(o.Kind), fmtTime(now)); err != nil {
		return internal("add organisation "+o.ID, err)
	}
	return c.audit(ctx, tx, by, "org.add", "org:"+o.ID, map[string]string{"name": o.Name, "kind": string(o.Kind)})
}

const orgSelect = `SELECT id, name, kind, created_at FROM orgs`

type scanner interface{ Scan(...any) error }

func scanOrg(r scanner) (Org, error) {
	var o Org
	var kind, at string
	if err := r.Scan(&o.ID, &o.Name, &kind, &at); err != nil {
		return Org{}, notFound(err, "no such organisation")
	}
	o.Kind = OrgKind(kind)
	o.CreatedAt = parseTime(at).Format(rfc3339)
	return o, nil
}

// Org returns organisation id.
func (c *Catalog) Org(ctx context.Context, id string) (Org, error) {
	o, err := scanOrg(c.db.QueryRowContext(ctx, orgSelect+` WHERE id = ?`, id))
	if ErrorKind(err) == NotFound {
		return Org{}, errorf(NotFound, "no organisation %q", clip(id))
	}
	return o, err
}

// Orgs lists the organisations by id.
func (c *Catalog) Orgs(ctx context.Context) ([]Org, error) {
	rows, err := c.db.QueryContext(ctx, orgSelect+` ORDER BY id`)
	if err != nil {
		return nil, internal("list organisations", err)
	}
	defer rows.Close()
	out := []Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list organisations", err)
	}
	return out, nil
}

// exists runs a query and says whether it returned a row.
func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, internal("query", err)
	}
	return true, nil
}
