package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

var admin = catalog.System("test")

// cheap makes password hashing fast in tests; the cost is read back from
// each hash, so the code paths are the production ones.
var cheap = catalog.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openT(t *testing.T, dir string, opts catalog.Options) *catalog.Catalog {
	t.Helper()
	if opts.Password == (catalog.PasswordParams{}) {
		opts.Password = cheap
	}
	c, err := catalog.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantKind(t *testing.T, what string, err error, k catalog.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, k)
		return
	}
	if got := catalog.ErrorKind(err); got != k {
		t.Errorf("%s: %v (kind %v), want kind %v", what, err, got, k)
	}
}

func hash(i int) string { return fmt.Sprintf("%064x", i+1) }

// publish adds and publishes a version of layer as by.
func publish(t *testing.T, c *catalog.Catalog, by catalog.Principal, layer string, i int) catalog.Version {
	t.Helper()
	ctx := context.Background()
	v := must[catalog.Version](t)(c.AddVersion(ctx, by, layer, catalog.NewVersion{SourceHash: hash(i), Owner: ownerFor(by)}))
	if err := c.StartVersion(ctx, by, layer, v.Number); err != nil {
		t.Fatal(err)
	}
	b := [4]float64{103.8, 21.2, 104.0, 21.4}
	if _, err := c.Publish(ctx, by, layer, v.Number, catalog.VersionResult{FeatureCount: int64(10 + i), Bounds: &b, CRS: "EPSG:9206"}); err != nil {
		t.Fatal(err)
	}
	return v
}

func ownerFor(p catalog.Principal) string {
	if p.Admin {
		return "so-xay-dung"
	}
	return ""
}

func TestMigrateFromEmpty(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir, catalog.Options{})
	v, err := c.Version(context.Background())
	if err != nil || v != catalog.SchemaVersion {
		t.Fatalf("schema version %d, %v; want %d", v, err, catalog.SchemaVersion)
	}
	if catalog.SchemaVersion < 2 {
		t.Fatal("expected at least two migrations")
	}
	for _, table := range []string{"orgs", "layers", "versions", "users", "tokens", "jobs", "audit", "deleted_layers", "schema_migrations"} {
		var n int
		if err := c.DB().QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: %d, %v", table, n, err)
		}
	}
	var mode string
	if err := c.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v; want wal", mode, err)
	}
	var fk int
	if err := c.DB().QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d, %v; want 1", fk, err)
	}
	fi, err := os.Stat(filepath.Join(dir, catalog.FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("catalog file mode %v, %v; want 0600 (it holds password hashes)", fi.Mode().Perm(), err)
	}
	// Reopening applies nothing twice.
	c.Close()
	c2 := openT(t, dir, catalog.Options{})
	var rows int
	c2.DB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows)
	if rows != catalog.SchemaVersion {
		t.Errorf("%d migration rows after reopening, want %d", rows, catalog.SchemaVersion)
	}
}

func TestMigrateFromV1(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old, err := catalog.OpenAtVersion(dir, catalog.Options{Password: cheap}, 1)
	if err != nil {
		t.Fatal(err)
	}
	must[catalog.Org](t)(old.AddOrg(ctx, admin, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment))
	tok, secret, err := old.AddToken(ctx, admin, "so-xay-dung", false, "")
	if err != nil {
		t.Fatal(err)
	}
	// A layer with a published version, as a version-1 binary wrote it.
	for _, q := range []string{
		`INSERT INTO layers (id, title, owner, created_at, updated_at) VALUES ('quy-hoach', 'Quy hoạch', 'so-xay-dung', '2025-07-01T00:00:00.000000000Z', '2025-07-01T00:00:00.000000000Z')`,
		`INSERT INTO versions (layer, number, source_hash, uploader, created_at, updated_at, status, file) VALUES ('quy-hoach', 1, '` + hash(1) + `', 'token:x', '2025-07-01T00:00:00.000000000Z', '2025-07-01T00:00:00.000000000Z', 'published', 'layers/quy-hoach/quy-hoach.v1.mbtiles')`,
		`UPDATE layers SET current_version = 1`,
	} {
		if _, err := old.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := old.Version(ctx); v != 1 {
		t.Fatalf("old database at version %d, want 1", v)
	}
	if _, err := old.Users(ctx); err == nil {
		t.Fatal("users exist at schema version 1: the test does not test an upgrade")
	}
	old.Close()

	c := openT(t, dir, catalog.Options{})
	if v, _ := c.Version(ctx); v != catalog.SchemaVersion {
		t.Fatalf("upgraded to %d, want %d", v, catalog.SchemaVersion)
	}
	p, err := c.Authenticate(ctx, secret)
	if err != nil || p.Org != "so-xay-dung" || p.Token != tok.ID {
		t.Fatalf("token made at v1: %+v, %v", p, err)
	}
	toks := must[[]catalog.Token](t)(c.Tokens(ctx))
	if len(toks) != 1 || toks[0].LastUsedAt == "" {
		t.Errorf("tokens after upgrade: %+v (last use must be recorded in the new column)", toks)
	}
	l := must[catalog.Layer](t)(c.Layer(ctx, "quy-hoach"))
	if l.CurrentVersion != 1 || l.Owner != "so-xay-dung" {
		t.Errorf("layer after upgrade: %+v", l)
	}
	must[catalog.User](t)(c.AddUser(ctx, admin, "lan", "so-xay-dung", "mật khẩu dài lắm"))
	if v := publish(t, c, admin, "quy-hoach", 2); v.Number != 2 {
		t.Errorf("next version after upgrade: %d, want 2", v.Number)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir, catalog.Options{})
	if _, err := c.DB().Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'x')`, catalog.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	c.Close()
	_, err := catalog.Open(dir, catalog.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opened a newer schema: %v", err)
	}
}

func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment))
	tok, _, err := c.AddToken(ctx, admin, "so-xay-dung", false, "qgis")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	log := must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0))
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Target)
		if e.Actor != "system:test" {
			t.Errorf("actor %q, want system:test", e.Actor)
		}
	}
	want := []string{"org.add org:so-xay-dung", "token.add token:" + tok.ID, "token.revoke token:" + tok.ID}
	if !slices.Equal(actions, want) {
		t.Errorf("audit %q, want %q", actions, want)
	}
	for _, q := range []string{`UPDATE audit SET actor = 'someone else'`, `DELETE FROM audit`, `DELETE FROM audit WHERE seq = 1`} {
		_, err := c.DB().Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
	if again := must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0)); len(again) != len(log) || again[0].Actor != "system:test" {
		t.Errorf("audit changed: %+v", again)
	}
	if last := must[[]catalog.AuditEntry](t)(c.Audit(ctx, 1)); len(last) != 1 || last[0].Action != "token.revoke" {
		t.Errorf("last entry: %+v", last)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	c := openT(t, dir, catalog.Options{Now: clk.Now})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "phuong-to-hieu", "Phường Tô Hiệu", catalog.KindWard))
	tok, secret, err := c.AddToken(ctx, admin, "phuong-to-hieu", false, "script")
	if err != nil {
		t.Fatal(err)
	}
	if catalog.TokenID(secret) != tok.ID || !strings.HasPrefix(secret, "plt_"+tok.ID+"_") {
		t.Fatalf("token %q does not carry its id %q", secret, tok.ID)
	}
	atok, asecret, err := c.AddToken(ctx, admin, "", true, "")
	if err != nil {
		t.Fatal(err)
	}
	if secret == asecret || tok.ID == atok.ID {
		t.Fatal("two tokens alike")
	}
	p, err := c.Authenticate(ctx, secret)
	if err != nil || p.Admin || p.Org != "phuong-to-hieu" || p.Token != tok.ID {
		t.Fatalf("org token: %+v, %v", p, err)
	}
	p, err = c.Authenticate(ctx, asecret)
	if err != nil || !p.Admin || p.Org != "" {
		t.Fatalf("admin token: %+v, %v", p, err)
	}
	// A wrong secret with a right id, garbage, an empty string, another's id.
	flip := []byte(secret)
	if flip[len(flip)-1] == 'A' {
		flip[len(flip)-1] = 'B'
	} else {
		flip[len(flip)-1] = 'A'
	}
	other := "plt_" + atok.ID + secret[len("plt_")+16:]
	for _, bad := range []string{string(flip), "", "plt_", "Bearer " + secret, secret + "x", other, "plt_0000000000000000_" + secret[len(secret)-43:]} {
		_, err := c.Authenticate(ctx, bad)
		wantKind(t, fmt.Sprintf("authenticate %q", bad), err, catalog.Unauthorized)
	}
	// Revocation.
	wantKind(t, "revoke unknown", c.RevokeToken(ctx, admin, "0123456789abcdef"), catalog.NotFound)
	if err := c.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Authenticate(ctx, secret)
	wantKind(t, "revoked token", err, catalog.Unauthorized)
	wantKind(t, "revoke twice", c.RevokeToken(ctx, admin, tok.ID), catalog.Conflict)
	// Only org or admin; an org must exist; only admins make tokens.
	_, _, err = c.AddToken(ctx, admin, "phuong-to-hieu", true, "")
	wantKind(t, "org and admin", err, catalog.Invalid)
	_, _, err = c.AddToken(ctx, admin, "nowhere", false, "")
	wantKind(t, "unknown org", err, catalog.NotFound)
	orgP := catalog.Principal{Org: "phuong-to-hieu", Token: tok.ID}
	_, _, err = c.AddToken(ctx, orgP, "phuong-to-hieu", false, "")
	wantKind(t, "org makes token", err, catalog.Forbidden)

	list := must[[]catalog.Token](t)(c.Tokens(ctx))
	if len(list) != 2 || !list[0].Revoked() || list[1].Revoked() || list[0].LastUsedAt == "" {
		t.Errorf("tokens %+v", list)
	}
	// The secret is nowhere in the data directory, nor in the audit log.
	c.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range []string{secret, asecret, secret[len(secret)-43:]} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a token secret", filepath.Base(f))
			}
		}
	}
}

func TestTokenLastUsedThrottled(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	c := openT(t, t.TempDir(), catalog.Options{Now: clk.Now})
	_, secret, err := c.AddToken(ctx, admin, "", true, "")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() string { return must[[]catalog.Token](t)(c.Tokens(ctx))[0].LastUsedAt }
	must[catalog.Principal](t)(c.Authenticate(ctx, secret))
	first := lastUsed()
	clk.Add(10 * time.Second)
	must[catalog.Principal](t)(c.Authenticate(ctx, secret))
	if lastUsed() != first {
		t.Errorf("last use rewritten after 10 s: %s -> %s", first, lastUsed())
	}
	clk.Add(time.Minute)
	must[catalog.Principal](t)(c.Authenticate(ctx, secret))
	if lastUsed() == first {
		t.Errorf("last use not updated after a minute")
	}
}

// TestAuthorisation: organisation A's principals may change A's layers
// only; B's may not; an admin may change any; nobody may without
// credentials.
func TestAuthorisation(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	for _, o := range []string{"xa-a", "xa-b", "so-xay-dung"} {
		must[catalog.Org](t)(c.AddOrg(ctx, admin, o, "Đơn vị "+o, catalog.KindCommune))
	}
	_, sa, _ := c.AddToken(ctx, admin, "xa-a", false, "")
	_, sb, _ := c.AddToken(ctx, admin, "xa-b", false, "")
	_, sadm, _ := c.AddToken(ctx, admin, "", true, "")
	must[catalog.User](t)(c.AddUser(ctx, admin, "nguoi-a", "xa-a", "mật khẩu của A"))
	must[catalog.User](t)(c.AddUser(ctx, admin, "nguoi-b", "xa-b", "mật khẩu của B"))
	A := must[catalog.Principal](t)(c.Authenticate(ctx, sa))
	B := must[catalog.Principal](t)(c.Authenticate(ctx, sb))
	Adm := must[catalog.Principal](t)(c.Authenticate(ctx, sadm))
	UA := must[catalog.Principal](t)(c.Login(ctx, "nguoi-a", "mật khẩu của A"))
	UB := must[catalog.Principal](t)(c.Login(ctx, "nguoi-b", "mật khẩu của B"))

	// A's first upload creates the layer, owned by A.
	publish(t, c, A, "dat-a", 1)
	publish(t, c, A, "dat-a", 2)
	if l := must[catalog.Layer](t)(c.Layer(ctx, "dat-a")); l.Owner != "xa-a" {
		t.Fatalf("owner %q, want xa-a", l.Owner)
	}
	const ok = catalog.Internal // "no error" marker below
	for _, tc := range []struct {
		name string
		p    catalog.Principal
		want catalog.Kind
	}{
		{"token of A", A, ok},
		{"user of A", UA, ok},
		{"token of B", B, catalog.Forbidden},
		{"user of B", UB, catalog.Forbidden},
		{"admin token", Adm, ok},
		{"system", admin, ok},
		{"nobody", catalog.Principal{}, catalog.Unauthorized},
		{"org without id", catalog.Principal{Org: "xa-a"}, catalog.Unauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := must[catalog.Layer](t)(c.Layer(ctx, "dat-a"))
			errs := map[string]error{"CanModifyLayer": tc.p.CanModifyLayer(l)}
			_, errs["AddVersion"] = c.AddVersion(ctx, tc.p, "dat-a", catalog.NewVersion{SourceHash: hash(9)})
			target := 1
			if l.CurrentVersion == 1 {
				target = 2
			}
			_, errs["Rollback"] = c.Rollback(ctx, tc.p, "dat-a", target)
			for op, err := range errs {
				if tc.want == ok {
					if err != nil {
						t.Errorf("%s: %v, want allowed", op, err)
					}
					continue
				}
				wantKind(t, op, err, tc.want)
			}
		})
	}
	// B cannot create a layer owned by A; B's own layer stays B's.
	_, err := c.AddVersion(ctx, B, "dat-b", catalog.NewVersion{SourceHash: hash(1), Owner: "xa-a"})
	wantKind(t, "B creates a layer for A", err, catalog.Forbidden)
	publish(t, c, B, "dat-b", 1)
	_, err = c.AddVersion(ctx, A, "dat-b", catalog.NewVersion{SourceHash: hash(2)})
	wantKind(t, "A uploads to B's layer", err, catalog.Forbidden)
	// An admin must say who owns a new layer.
	_, err = c.AddVersion(ctx, Adm, "dat-c", catalog.NewVersion{SourceHash: hash(1)})
	wantKind(t, "admin without owner", err, catalog.Invalid)
	// Admin-only operations.
	_, err = c.AddOrg(ctx, A, "xa-c", "Xã C", catalog.KindCommune)
	wantKind(t, "org adds org", err, catalog.Forbidden)
	_, err = c.AddUser(ctx, A, "nguoi-c", "xa-a", "mật khẩu của C")
	wantKind(t, "org adds user", err, catalog.Forbidden)
}

func TestRollback(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment))
	publish(t, c, admin, "quy-hoach", 1)
	publish(t, c, admin, "quy-hoach", 2)
	v3 := must[catalog.Version](t)(c.AddVersion(ctx, admin, "quy-hoach", catalog.NewVersion{SourceHash: hash(3)}))
	if err := c.FailVersion(ctx, admin, "quy-hoach", v3.Number, json.RawMessage(`[{"file":"a.shp","feature":7,"reason":"self-intersection"}]`)); err != nil {
		t.Fatal(err)
	}
	if l := must[catalog.Layer](t)(c.Layer(ctx, "quy-hoach")); l.CurrentVersion != 2 {
		t.Fatalf("a failed version changed the current one: %d", l.CurrentVersion)
	}
	l, err := c.Rollback(ctx, admin, "quy-hoach", 1)
	if err != nil || l.CurrentVersion != 1 {
		t.Fatalf("rollback: %+v, %v", l, err)
	}
	_, err = c.Rollback(ctx, admin, "quy-hoach", 1)
	wantKind(t, "rollback to current", err, catalog.Conflict)
	_, err = c.Rollback(ctx, admin, "quy-hoach", 3)
	wantKind(t, "rollback to failed", err, catalog.Conflict)
	_, err = c.Rollback(ctx, admin, "quy-hoach", 9)
	wantKind(t, "rollback to missing", err, catalog.NotFound)
	_, err = c.Rollback(ctx, admin, "khong-co", 1)
	wantKind(t, "rollback unknown layer", err, catalog.NotFound)
	// Roll forward again.
	if l, err := c.Rollback(ctx, admin, "quy-hoach", 2); err != nil || l.CurrentVersion != 2 {
		t.Fatalf("roll forward: %+v, %v", l, err)
	}
	vs := must[[]catalog.Version](t)(c.Versions(ctx, "quy-hoach"))
	if len(vs) != 3 || vs[0].Number != 3 || vs[0].Status != catalog.Failed || !strings.Contains(string(vs[0].Messages), "self-intersection") {
		t.Errorf("versions %+v", vs)
	}
	if vs[1].FeatureCount != 12 || vs[1].CRS != "EPSG:9206" || vs[1].Bounds == nil || vs[1].Bounds[0] != 103.8 || vs[1].File == vs[2].File {
		t.Errorf("version 2 %+v", vs[1])
	}
	var rollbacks []string
	for _, e := range must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0)) {
		if e.Action == "layer.rollback" {
			rollbacks = append(rollbacks, string(e.Details))
		}
	}
	if !slices.Equal(rollbacks, []string{`{"from":2,"to":1}`, `{"from":1,"to":2}`}) {
		t.Errorf("audited rollbacks %q", rollbacks)
	}
	// A finished version cannot be published or failed again.
	_, err = c.Publish(ctx, admin, "quy-hoach", 3, catalog.VersionResult{})
	wantKind(t, "publish failed version", err, catalog.Conflict)
	wantKind(t, "fail published version", c.FailVersion(ctx, admin, "quy-hoach", 1, nil), catalog.Conflict)
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{KeepVersions: 3})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment))
	var files []string
	var retired []string
	for i := 1; i <= 5; i++ {
		v := must[catalog.Version](t)(c.AddVersion(ctx, admin, "quy-hoach", catalog.NewVersion{SourceHash: hash(i), Owner: "so-xay-dung"}))
		files = append(files, v.File)
		r, err := c.Publish(ctx, admin, "quy-hoach", v.Number, catalog.VersionResult{FeatureCount: 1})
		if err != nil {
			t.Fatal(err)
		}
		retired = append(retired, r...)
	}
	if !slices.Equal(retired, files[:2]) {
		t.Fatalf("retired files %q, want %q", retired, files[:2])
	}
	status := func() string {
		var s []string
		for _, v := range must[[]catalog.Version](t)(c.Versions(ctx, "quy-hoach")) {
			s = append(s, fmt.Sprintf("%d:%s", v.Number, v.Status))
		}
		return strings.Join(s, " ")
	}
	if got := status(); got != "5:published 4:published 3:published 2:retired 1:retired" {
		t.Errorf("statuses %s", got)
	}
	_, err := c.Rollback(ctx, admin, "quy-hoach", 1)
	wantKind(t, "rollback to retired", err, catalog.Conflict)
	// The current version is never retired, even when older than the
	// newest KeepVersions.
	must[catalog.Layer](t)(c.Rollback(ctx, admin, "quy-hoach", 3))
	v6 := must[catalog.Version](t)(c.AddVersion(ctx, admin, "quy-hoach", catalog.NewVersion{SourceHash: hash(6)}))
	r, err := c.Publish(ctx, admin, "quy-hoach", v6.Number, catalog.VersionResult{})
	if err != nil || !slices.Equal(r, files[2:3]) {
		t.Fatalf("publish 6 retired %q, %v; want %q", r, err, files[2:3])
	}
	if got := status(); got != "6:published 5:published 4:published 3:retired 2:retired 1:retired" {
		t.Errorf("statuses %s", got)
	}
}

func TestLoginLockout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	c := openT(t, dir, catalog.Options{Now: clk.Now, MaxFailedLogins: 3, Lockout: 10 * time.Minute})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "xa-chieng-mung", "Xã Chiềng Mung", catalog.KindCommune))
	const pw = "Sơn La 2026!"
	must[catalog.User](t)(c.AddUser(ctx, admin, "hoa", "xa-chieng-mung", pw))
	_, err := c.AddUser(ctx, admin, "hoa", "xa-chieng-mung", pw)
	wantKind(t, "user twice", err, catalog.Conflict)
	_, err = c.AddUser(ctx, admin, "ngan", "xa-chieng-mung", "short")
	wantKind(t, "short password", err, catalog.Invalid)
	_, err = c.AddUser(ctx, admin, "Hoa Le", "xa-chieng-mung", pw)
	wantKind(t, "unsafe user name", err, catalog.Invalid)

	p, err := c.Login(ctx, "hoa", pw)
	if err != nil || p.User != "hoa" || p.Org != "xa-chieng-mung" || p.Admin {
		t.Fatalf("login: %+v, %v", p, err)
	}
	_, err = c.Login(ctx, "nobody", pw)
	wantKind(t, "unknown user", err, catalog.Unauthorized)
	for i := range 3 {
		_, err := c.Login(ctx, "hoa", fmt.Sprintf("wrong %d", i))
		wantKind(t, "wrong password", err, catalog.Unauthorized)
	}
	_, err = c.Login(ctx, "hoa", pw)
	wantKind(t, "right password while locked", err, catalog.Unauthorized)
	if err == nil || !strings.Contains(err.Error(), "try again later") {
		t.Errorf("locked login: %v", err)
	}
	clk.Add(11 * time.Minute)
	if _, err := c.Login(ctx, "hoa", pw); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	locks := 0
	for _, e := range must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0)) {
		if e.Action == "user.lock" && e.Target == "user:hoa" {
			locks++
		}
	}
	if locks != 1 {
		t.Errorf("%d user.lock audit entries, want 1", locks)
	}
	if err := c.DisableUser(ctx, admin, "hoa"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "disable twice", c.DisableUser(ctx, admin, "hoa"), catalog.Conflict)
	wantKind(t, "disable unknown", c.DisableUser(ctx, admin, "ai"), catalog.NotFound)
	_, err = c.Login(ctx, "hoa", pw)
	wantKind(t, "disabled user", err, catalog.Unauthorized)
	us := must[[]catalog.User](t)(c.Users(ctx))
	if len(us) != 1 || !us[0].Disabled || us[0].LastLoginAt == "" {
		t.Errorf("users %+v", us)
	}
	if u, err := c.User(ctx, "hoa"); err != nil || u != us[0] {
		t.Errorf("User(hoa) = %+v, %v; want %+v", u, err, us[0])
	}
	_, err = c.User(ctx, "ai")
	wantKind(t, "unknown user", err, catalog.NotFound)
	var stored string
	c.DB().QueryRow(`SELECT password_hash FROM users WHERE name = 'hoa'`).Scan(&stored)
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(stored, pw) {
		t.Errorf("stored password %q", stored)
	}
}

// TestDefaultPasswordCost: without options, hashes carry the documented
// default cost.
func TestDefaultPasswordCost(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Open(t.TempDir(), catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "demo", "Demo", catalog.KindOther))
	must[catalog.User](t)(c.AddUser(ctx, admin, "demo", "demo", "mật khẩu dài lắm"))
	var stored string
	c.DB().QueryRow(`SELECT password_hash FROM users`).Scan(&stored)
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", catalog.DefaultPasswordMemoryKiB, catalog.DefaultPasswordTime, catalog.DefaultPasswordThreads)
	if !strings.HasPrefix(stored, want) {
		t.Errorf("hash %q, want prefix %q", stored, want)
	}
	if _, err := c.Login(ctx, "demo", "mật khẩu dài lắm"); err != nil {
		t.Error(err)
	}
}

func TestOrgs(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	// "Sở Xây dựng" typed with combining marks (NFD) is stored NFC.
	nfd := "So\u031b\u0309 Xa\u0302y du\u031b\u0323ng"
	o := must[catalog.Org](t)(c.AddOrg(ctx, admin, "so-xay-dung", "  "+nfd+" ", catalog.KindDepartment))
	if o.Name != "Sở Xây dựng" {
		t.Errorf("name %q (% x), want NFC %q", o.Name, o.Name, "Sở Xây dựng")
	}
	_, err := c.AddOrg(ctx, admin, "so-xay-dung", "again", catalog.KindDepartment)
	wantKind(t, "org twice", err, catalog.Conflict)
	for _, tc := range []struct{ id, name, kind string }{
		{"Sở", "x", "department"}, {"../etc", "x", "department"}, {"a.b", "x", "department"}, {"", "x", "department"},
		{"-a", "x", "department"}, {strings.Repeat("a", 65), "x", "department"},
		{"ok", "", "department"}, {"ok", "x\x00y", "department"}, {"ok", "x", "district"}, {"ok", strings.Repeat("ơ", 201), "ward"},
	} {
		_, err := c.AddOrg(ctx, admin, tc.id, tc.name, catalog.OrgKind(tc.kind))
		wantKind(t, fmt.Sprintf("org %q %q %q", tc.id, tc.name, tc.kind), err, catalog.Invalid)
	}
	// EnsureOrg creates once and leaves an existing org alone.
	d1 := must[catalog.Org](t)(c.EnsureOrg(ctx, admin, "demo", "Dữ liệu mẫu", catalog.KindOther))
	d2 := must[catalog.Org](t)(c.EnsureOrg(ctx, admin, "demo", "other name", catalog.KindWard))
	if d1 != d2 || d2.Name != "Dữ liệu mẫu" {
		t.Errorf("EnsureOrg twice: %+v then %+v", d1, d2)
	}
	orgs := must[[]catalog.Org](t)(c.Orgs(ctx))
	if len(orgs) != 2 || orgs[0].ID != "demo" || orgs[1].ID != "so-xay-dung" {
		t.Errorf("orgs %+v", orgs)
	}
	_, err = c.Org(ctx, "khong-co")
	wantKind(t, "unknown org", err, catalog.NotFound)
	// The database refuses a kind outside the set even if the code did not.
	_, err = c.DB().Exec(`INSERT INTO orgs (id, name, kind, created_at) VALUES ('x', 'x', 'district', 'x')`)
	if err == nil {
		t.Error("database accepted kind 'district'")
	}
	n := 0
	for _, e := range must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0)) {
		if e.Action == "org.add" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d org.add audit entries, want 2", n)
	}
}

func TestJobsAndRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openT(t, dir, catalog.Options{})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "xa-a", "Xã A", catalog.KindCommune))
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "xa-b", "Xã B", catalog.KindCommune))
	_, sa, _ := c.AddToken(ctx, admin, "xa-a", false, "")
	A := must[catalog.Principal](t)(c.Authenticate(ctx, sa))
	publish(t, c, A, "dat-a", 1)

	_, err := c.AddJob(ctx, A, "dat-b", "xa-b")
	wantKind(t, "job for another org", err, catalog.Forbidden)
	done := must[catalog.Job](t)(c.AddJob(ctx, A, "dat-a", "xa-a"))
	must[catalog.Job](t)(c.UpdateJob(ctx, A, done.ID, catalog.JobUpdate{State: catalog.JobRunning, Step: "read", Progress: 0.2}))
	must[catalog.Job](t)(c.UpdateJob(ctx, A, done.ID, catalog.JobUpdate{Step: "tile", Done: 3, Total: 40}))
	j := must[catalog.Job](t)(c.UpdateJob(ctx, A, done.ID, catalog.JobUpdate{State: catalog.JobSucceeded, Progress: 1}))
	if j.State != catalog.JobSucceeded || j.Step != "tile" || j.Done != 3 || j.Total != 40 || j.Progress != 1 {
		t.Errorf("job %+v", j)
	}
	if j := must[catalog.Job](t)(c.Job(ctx, done.ID)); j.Step != "tile" || j.Done != 3 || j.Total != 40 || j.Error != "" {
		t.Errorf("job read back %+v", j)
	}
	_, err = c.UpdateJob(ctx, A, done.ID, catalog.JobUpdate{State: catalog.JobFailed})
	wantKind(t, "update a finished job", err, catalog.Conflict)
	_, err = c.Job(ctx, "nope")
	wantKind(t, "unknown job", err, catalog.NotFound)

	// A crash in the middle of version 2: job running, version building.
	job := must[catalog.Job](t)(c.AddJob(ctx, A, "dat-a", "xa-a"))
	v := must[catalog.Version](t)(c.AddVersion(ctx, A, "dat-a", catalog.NewVersion{SourceHash: hash(2)}))
	must[catalog.Job](t)(c.UpdateJob(ctx, A, job.ID, catalog.JobUpdate{State: catalog.JobRunning, Step: "tile", Progress: 0.5, Version: v.Number}))
	if err := c.StartVersion(ctx, A, "dat-a", v.Number); err != nil {
		t.Fatal(err)
	}
	queued := must[catalog.Job](t)(c.AddJob(ctx, A, "dat-a", "xa-a"))
	// A crash after the catalog commit of a version, before its job's last
	// update: the version serves, so the job succeeded.
	late := must[catalog.Job](t)(c.AddJob(ctx, A, "dat-c", "xa-a"))
	must[catalog.Job](t)(c.UpdateJob(ctx, A, late.ID, catalog.JobUpdate{State: catalog.JobRunning, Step: "write"}))
	_, err = c.AddVersion(ctx, A, "dat-c", catalog.NewVersion{SourceHash: hash(3), Job: queued.ID})
	wantKind(t, "a version naming another layer's job", err, catalog.NotFound)
	lv := must[catalog.Version](t)(c.AddVersion(ctx, A, "dat-c", catalog.NewVersion{SourceHash: hash(3), Job: late.ID}))
	if j := must[catalog.Job](t)(c.Job(ctx, late.ID)); j.Version != lv.Number {
		t.Errorf("job after AddVersion names version %d, want %d", j.Version, lv.Number)
	}
	if err := c.StartVersion(ctx, A, "dat-c", lv.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, A, "dat-c", lv.Number, catalog.VersionResult{FeatureCount: 1}); err != nil {
		t.Fatal(err)
	}
	c.Close()

	c = openT(t, dir, catalog.Options{})
	rec, err := c.RecoverInterrupted(ctx, catalog.System("startup"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Jobs, []string{job.ID, queued.ID}) || len(rec.Versions) != 1 || rec.Versions[0].File != v.File {
		t.Fatalf("recovered %+v", rec)
	}
	for _, id := range []string{job.ID, queued.ID} {
		j := must[catalog.Job](t)(c.Job(ctx, id))
		var rs []struct{ Cause string }
		if err := json.Unmarshal(j.Reasons, &rs); err != nil || j.State != catalog.JobFailed || len(rs) != 1 || rs[0].Cause != catalog.InterruptedCause || j.Error != catalog.InterruptedCause {
			t.Errorf("job after recovery %+v (%v)", j, err)
		}
	}
	if j := must[catalog.Job](t)(c.Job(ctx, late.ID)); j.State != catalog.JobSucceeded || j.Version != lv.Number || string(j.Reasons) != "[]" {
		t.Errorf("a job whose version was published before the crash: %+v, want succeeded", j)
	}
	if j := must[catalog.Job](t)(c.Job(ctx, done.ID)); j.State != catalog.JobSucceeded {
		t.Errorf("a finished job was touched: %+v", j)
	}
	if l := must[catalog.Layer](t)(c.Layer(ctx, "dat-a")); l.CurrentVersion != 1 {
		t.Errorf("current version %d after recovery, want 1", l.CurrentVersion)
	}
	if vs := must[[]catalog.Version](t)(c.Versions(ctx, "dat-a")); vs[0].Status != catalog.Failed {
		t.Errorf("interrupted version %+v", vs[0])
	}
	if rec, _ := c.RecoverInterrupted(ctx, catalog.System("startup")); len(rec.Jobs)+len(rec.Versions) != 0 {
		t.Errorf("second recovery found %+v", rec)
	}
}

// TestConcurrentWriters: two Catalogs on one directory (like the server and
// the admin CLI) and many goroutines add and publish versions of the same
// layers at once; every write succeeds, version numbers are 1..N without
// gaps or repeats, and the audit log has every change.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c1 := openT(t, dir, catalog.Options{KeepVersions: 1000})
	c2 := openT(t, dir, catalog.Options{KeepVersions: 1000})
	must[catalog.Org](t)(c1.AddOrg(ctx, admin, "so-xay-dung", "Sở Xây dựng", catalog.KindDepartment))
	before := len(must[[]catalog.AuditEntry](t)(c1.Audit(ctx, 0)))
	const workers, each = 8, 10
	layers := []string{"lop-1", "lop-2"}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := c1
			if w%2 == 1 {
				c = c2
			}
			for i := range each {
				layer := layers[(w+i)%2]
				v, err := c.AddVersion(ctx, admin, layer, catalog.NewVersion{SourceHash: hash(w*each + i), Owner: "so-xay-dung"})
				if err != nil {
					errs <- err
					return
				}
				if _, err := c.Publish(ctx, admin, layer, v.Number, catalog.VersionResult{FeatureCount: 1}); err != nil {
					errs <- err
					return
				}
				if _, err := c.Tokens(ctx); err != nil { // readers meanwhile
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for _, l := range layers {
		vs := must[[]catalog.Version](t)(c2.Versions(ctx, l))
		for i, v := range vs {
			if v.Number != len(vs)-i || v.Status != catalog.Published {
				t.Errorf("%s: version %d at %d: %+v", l, v.Number, i, v)
			}
		}
		if cur := must[catalog.Layer](t)(c2.Layer(ctx, l)).CurrentVersion; cur < 1 || cur > len(vs) {
			t.Errorf("%s: current %d of %d", l, cur, len(vs))
		}
		total += len(vs)
	}
	if total != workers*each {
		t.Errorf("%d versions, want %d", total, workers*each)
	}
	// Per version: version.add and version.publish; per layer: layer.add.
	if n := len(must[[]catalog.AuditEntry](t)(c1.Audit(ctx, 0))) - before; n != 2*workers*each+len(layers) {
		t.Errorf("%d audit entries, want %d", n, 2*workers*each+len(layers))
	}
}

func TestStoreSource(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir, catalog.Options{})
	body := strings.Repeat("shapefile bytes ", 1000)
	h, n, err := c.StoreSource(strings.NewReader(body), 1<<20)
	if err != nil || n != int64(len(body)) || len(h) != 64 {
		t.Fatalf("store: %q %d %v", h, n, err)
	}
	b, err := os.ReadFile(c.Path(catalog.SourceFile(h)))
	if err != nil || string(b) != body {
		t.Fatalf("stored bytes differ: %v", err)
	}
	h2, _, err := c.StoreSource(strings.NewReader(body), 1<<20)
	if err != nil || h2 != h {
		t.Fatalf("same bytes again: %q, %v", h2, err)
	}
	_, _, err = c.StoreSource(strings.NewReader(body), 100)
	wantKind(t, "over the cap", err, catalog.Invalid)
	var names []string
	filepath.WalkDir(filepath.Join(dir, "sources"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, filepath.Base(p))
		}
		return nil
	})
	if !slices.Equal(names, []string{h}) {
		t.Errorf("files in sources/: %q, want just %s (no temporary files)", names, h)
	}
}

func TestDataDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"/srv/plantile", map[string]string{"PLANTILE_DATA": "/x", "HOME": "/home/a"}, "/srv/plantile"},
		{"", map[string]string{"PLANTILE_DATA": "/x", "HOME": "/home/a"}, "/x"},
		{"", map[string]string{"XDG_DATA_HOME": "/xdg", "HOME": "/home/a"}, "/xdg/plantile"},
		{"", map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/home/a"}, "/home/a/.local/share/plantile"},
		{"", map[string]string{"HOME": "/home/a"}, "/home/a/.local/share/plantile"},
	} {
		got, err := catalog.DataDir(tc.flag, env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("DataDir(%q, %v) = %q, %v; want %q", tc.flag, tc.env, got, err, tc.want)
		}
	}
	if _, err := catalog.DataDir("", env(nil)); err == nil {
		t.Error("no HOME and no setting: no error")
	}
}

func TestErrorKinds(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	_, err := c.Layer(ctx, "khong-co")
	var ce *catalog.Error
	if !errors.As(err, &ce) || ce.Kind != catalog.NotFound || !strings.HasPrefix(err.Error(), "catalog: ") {
		t.Errorf("error %v", err)
	}
	if catalog.ErrorKind(errors.New("x")) != catalog.Internal || catalog.ErrorKind(fmt.Errorf("wrapped: %w", err)) != catalog.NotFound {
		t.Error("ErrorKind does not unwrap")
	}
	_, err = c.Versions(ctx, "khong-co")
	wantKind(t, "versions of unknown layer", err, catalog.NotFound)
	_, err = c.AddVersion(ctx, admin, "Bad Id", catalog.NewVersion{SourceHash: hash(1), Owner: "x"})
	wantKind(t, "bad layer id", err, catalog.Invalid)
	_, err = c.AddVersion(ctx, admin, "ok", catalog.NewVersion{SourceHash: "abc", Owner: "x"})
	wantKind(t, "bad hash", err, catalog.Invalid)
	_, err = c.AddVersion(ctx, admin, "ok", catalog.NewVersion{SourceHash: hash(1), Owner: "khong-co"})
	wantKind(t, "unknown owner", err, catalog.NotFound)
}

func TestDeleteLayer(t *testing.T) {
	ctx := context.Background()
	c := openT(t, t.TempDir(), catalog.Options{})
	must[catalog.Org](t)(c.AddOrg(ctx, admin, "xa-a", "Xã A", catalog.KindCommune))
	_, sa, _ := c.AddToken(ctx, admin, "xa-a", false, "")
	A := must[catalog.Principal](t)(c.Authenticate(ctx, sa))
	v1 := publish(t, c, A, "dat-a", 1)
	v2 := publish(t, c, A, "dat-a", 2)
	_, err := c.DeleteLayer(ctx, A, "dat-a")
	wantKind(t, "owner deletes", err, catalog.Forbidden)
	files, err := c.DeleteLayer(ctx, admin, "dat-a")
	if err != nil || !slices.Equal(files, []string{v1.File, v2.File}) {
		t.Fatalf("delete: %q, %v", files, err)
	}
	_, err = c.Layer(ctx, "dat-a")
	wantKind(t, "deleted layer", err, catalog.NotFound)
	_, err = c.DeleteLayer(ctx, admin, "dat-a")
	wantKind(t, "delete twice", err, catalog.NotFound)
	// Numbers are never reused: versioned URLs are cached as immutable.
	if v := publish(t, c, A, "dat-a", 3); v.Number != 3 || v.File == v1.File || v.File == v2.File {
		t.Errorf("a new layer with the old id starts at version %d (%s), want 3", v.Number, v.File)
	}
	if _, err := c.DeleteLayer(ctx, admin, "dat-a"); err != nil {
		t.Fatal(err)
	}
	if v := publish(t, c, A, "dat-a", 4); v.Number != 4 {
		t.Errorf("after a second delete: version %d, want 4", v.Number)
	}
	last := must[[]catalog.AuditEntry](t)(c.Audit(ctx, 0))
	found := false
	for _, e := range last {
		found = found || (e.Action == "layer.delete" && strings.Contains(string(e.Details), `"versions":2`))
	}
	if !found {
		t.Error("no layer.delete audit entry")
	}
}
