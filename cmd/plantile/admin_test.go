package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// The admin tests run the real binary: exit codes, stdout and stderr are
// what a script sees, and main's error handling is part of what is tested.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// plantileBin builds the command once per test binary.
func plantileBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "plantile-admin-test-")
		if binErr != nil {
			return
		}
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		binPath = filepath.Join(binDir, "plantile")
		out, err := exec.Command(gobin, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs plantile with args, PLANTILE_DATA=data and stdin.
type cli struct {
	t    *testing.T
	bin  string
	data string
	// seen collects every output, to check that no secret leaks.
	seen strings.Builder
}

func (c *cli) run(stdin string, args ...string) cliResult {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), catalog.EnvDataDir+"="+c.data)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	r := cliResult{out.String(), errOut.String(), code}
	if code != 0 {
		// A failure is one line on stderr, nothing on stdout.
		if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "plantile: ") {
			c.t.Errorf("plantile %s: failure output not one stderr line:\nstdout %q\nstderr %q", strings.Join(args, " "), r.stdout, r.stderr)
		}
	}
	return r
}

// ok runs and wants exit code 0, recording the output as seen.
func (c *cli) ok(stdin string, args ...string) cliResult {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("plantile %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	c.seen.WriteString(r.stdout + r.stderr)
	return r
}

// fails runs and wants exit code code.
func (c *cli) fails(code int, stdin string, args ...string) cliResult {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != code {
		c.t.Errorf("plantile %s: exit %d, want %d\nstdout %q\nstderr %q", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	c.seen.WriteString(r.stdout + r.stderr)
	return r
}

func jsonOf[T any](t *testing.T, r cliResult) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return v
}

var tokenLine = regexp.MustCompile(`^plt_([0-9a-f]{16})_[A-Za-z0-9_-]{43}\n$`)

func TestAdminOrgsTokensUsers(t *testing.T) {
	c := &cli{t: t, bin: plantileBin(t), data: filepath.Join(t.TempDir(), "data")}
	ctx := context.Background()

	// Organisations.
	r := c.ok("", "admin", "org", "add", "so-xay-dung", "--name", "Sở Xây dựng", "--kind", "department")
	if r.stdout != "" {
		t.Errorf("org add printed on stdout: %q", r.stdout)
	}
	c.ok("", "admin", "org", "add", "phuong-to-hieu", "--name", "Phường Tô Hiệu", "--kind", "ward")
	c.fails(exitConflict, "", "admin", "org", "add", "so-xay-dung", "--name", "again")
	c.fails(exitUsage, "", "admin", "org", "add", "Sở", "--name", "x")
	c.fails(exitUsage, "", "admin", "org", "add", "huyen-mai-son", "--name", "Huyện Mai Sơn", "--kind", "district")
	c.fails(exitUsage, "", "admin", "org", "add", "no-name")
	c.fails(exitUsage, "", "admin", "org")
	c.fails(exitUsage, "", "admin", "org", "frobnicate")
	c.fails(exitUsage, "", "admin", "org", "list", "--no-such-flag")
	orgs := jsonOf[[]catalog.Org](t, c.ok("", "admin", "org", "list", "--json"))
	if len(orgs) != 2 || orgs[0].ID != "phuong-to-hieu" || orgs[1].Name != "Sở Xây dựng" || orgs[1].Kind != catalog.KindDepartment {
		t.Errorf("org list --json: %+v", orgs)
	}
	if text := c.ok("", "admin", "org", "list").stdout; !strings.Contains(text, "phuong-to-hieu  ward") || !strings.HasPrefix(text, "ID") {
		t.Errorf("org list:\n%s", text)
	}
	// --data wins over PLANTILE_DATA.
	if other := c.ok("", "admin", "org", "list", "--json", "--data", t.TempDir()).stdout; strings.TrimSpace(other) != "[]" {
		t.Errorf("--data ignored: %s", other)
	}

	// Tokens: the token alone on stdout, once.
	r = c.ok("", "admin", "token", "add", "--org", "so-xay-dung", "--label", "qgis script")
	m := tokenLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("token add stdout %q, want the token alone", r.stdout)
	}
	orgToken, orgID := strings.TrimSpace(r.stdout), m[1]
	if !strings.Contains(r.stderr, orgID) {
		t.Errorf("token add stderr %q lacks the token id", r.stderr)
	}
	r = c.ok("", "admin", "token", "add", "--admin")
	m = tokenLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("token add --admin stdout %q", r.stdout)
	}
	adminToken, adminID := strings.TrimSpace(r.stdout), m[1]
	c.seen.Reset() // from here on, no output may contain a token
	c.fails(exitUsage, "", "admin", "token", "add")
	c.fails(exitUsage, "", "admin", "token", "add", "--admin", "--org", "so-xay-dung")
	c.fails(exitNotFound, "", "admin", "token", "add", "--org", "khong-co")

	cat, err := catalog.Open(c.data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if p, err := cat.Authenticate(ctx, orgToken); err != nil || p.Org != "so-xay-dung" || p.Token != orgID {
		t.Fatalf("the printed org token does not authenticate: %+v, %v", p, err)
	}
	if p, err := cat.Authenticate(ctx, adminToken); err != nil || !p.Admin {
		t.Fatalf("the printed admin token does not authenticate: %+v, %v", p, err)
	}
	toks := jsonOf[[]catalog.Token](t, c.ok("", "admin", "token", "list", "--json"))
	if len(toks) != 2 || toks[0].ID != orgID || toks[0].Org != "so-xay-dung" || toks[0].Label != "qgis script" || !toks[1].Admin || toks[1].ID != adminID {
		t.Errorf("token list --json: %+v", toks)
	}
	if text := c.ok("", "admin", "token", "list").stdout; !strings.Contains(text, orgID) || !strings.Contains(text, "org:so-xay-dung") {
		t.Errorf("token list:\n%s", text)
	}
	c.ok("", "admin", "token", "revoke", orgID)
	c.fails(exitConflict, "", "admin", "token", "revoke", orgID)
	c.fails(exitNotFound, "", "admin", "token", "revoke", "0123456789abcdef")
	c.fails(exitUsage, "", "admin", "token", "revoke")
	if _, err := cat.Authenticate(ctx, orgToken); catalog.ErrorKind(err) != catalog.Unauthorized {
		t.Errorf("revoked token: %v", err)
	}
	if toks := jsonOf[[]catalog.Token](t, c.ok("", "admin", "token", "list", "--json")); toks[0].RevokedAt == "" || toks[1].RevokedAt != "" {
		t.Errorf("after revoke: %+v", toks)
	}

	// Users: --password-stdin, and no terminal without it.
	const pw = "Mật khẩu Sơn La 2026"
	r = c.ok(pw+"\n", "admin", "user", "add", "lan", "--org", "so-xay-dung", "--password-stdin")
	if r.stdout != "" {
		t.Errorf("user add printed on stdout: %q", r.stdout)
	}
	if p, err := cat.Login(ctx, "lan", pw); err != nil || p.Org != "so-xay-dung" || p.User != "lan" {
		t.Fatalf("login with the piped password: %+v, %v", p, err)
	}
	if _, err := cat.Login(ctx, "lan", pw+"\n"); err == nil {
		t.Error("the newline was kept in the password")
	}
	c.ok("no newline at the end", "admin", "user", "add", "minh", "--org", "phuong-to-hieu", "--password-stdin")
	if _, err := cat.Login(ctx, "minh", "no newline at the end"); err != nil {
		t.Errorf("password without a newline: %v", err)
	}
	c.fails(exitUsage, pw+"\n", "admin", "user", "add", "hoa", "--org", "so-xay-dung") // stdin is not a terminal
	c.fails(exitConflict, pw+"\n", "admin", "user", "add", "lan", "--org", "so-xay-dung", "--password-stdin")
	c.fails(exitUsage, "short\n", "admin", "user", "add", "hoa", "--org", "so-xay-dung", "--password-stdin")
	c.fails(exitUsage, pw+"\n", "admin", "user", "add", "Hoa Le", "--org", "so-xay-dung", "--password-stdin")
	c.fails(exitNotFound, pw+"\n", "admin", "user", "add", "hoa", "--org", "khong-co", "--password-stdin")
	c.fails(exitUsage, pw+"\n", "admin", "user", "add", "hoa", "--password-stdin")
	c.ok("", "admin", "user", "disable", "lan")
	c.fails(exitConflict, "", "admin", "user", "disable", "lan")
	c.fails(exitNotFound, "", "admin", "user", "disable", "khong-co")
	if _, err := cat.Login(ctx, "lan", pw); catalog.ErrorKind(err) != catalog.Unauthorized {
		t.Errorf("disabled user signed in: %v", err)
	}
	users := jsonOf[[]catalog.User](t, c.ok("", "admin", "user", "list", "--json"))
	if len(users) != 2 || users[0].Name != "lan" || !users[0].Disabled || users[1].Org != "phuong-to-hieu" {
		t.Errorf("user list --json: %+v", users)
	}
	c.ok("", "admin", "user", "list")

	// The audit log has every change, by the CLI's user.
	audit := jsonOf[[]catalog.AuditEntry](t, c.ok("", "admin", "audit", "--json", "--limit", "0"))
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
		if !strings.HasPrefix(e.Actor, "system:cli:") {
			t.Errorf("actor %q", e.Actor)
		}
	}
	want := "org.add org.add token.add token.add token.revoke user.add user.add user.disable"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit actions %q, want %q", got, want)
	}
	if last := jsonOf[[]catalog.AuditEntry](t, c.ok("", "admin", "audit", "--json", "--limit", "1")); len(last) != 1 || last[0].Action != "user.disable" {
		t.Errorf("audit --limit 1: %+v", last)
	}
	c.ok("", "admin", "audit")

	// No token and no password in any output after creation, nor in the
	// data directory.
	secrets := []string{orgToken, adminToken, orgToken[len(orgToken)-43:], adminToken[len(adminToken)-43:], pw}
	for _, s := range secrets {
		if strings.Contains(c.seen.String(), s) {
			t.Errorf("a secret (%.8s...) appears in the command output", s)
		}
	}
	cat.Close()
	files, _ := filepath.Glob(filepath.Join(c.data, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a secret (%.8s...)", filepath.Base(f), s)
			}
		}
	}
}

func TestAdminLayers(t *testing.T) {
	c := &cli{t: t, bin: plantileBin(t), data: t.TempDir()}
	ctx := context.Background()
	c.ok("", "admin", "org", "add", "so-xay-dung", "--name", "Sở Xây dựng", "--kind", "department")
	if ls := c.ok("", "admin", "layer", "list", "--json").stdout; strings.TrimSpace(ls) != "[]" {
		t.Errorf("layer list on an empty catalog: %q", ls)
	}
	// Versions come from uploads (a later step); record two here.
	cat, err := catalog.Open(c.data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	by := catalog.System("test")
	for i := 1; i <= 2; i++ {
		v, err := cat.AddVersion(ctx, by, "quy-hoach", catalog.NewVersion{Title: "Quy hoạch sử dụng đất", Owner: "so-xay-dung", SourceHash: fmt.Sprintf("%064x", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.Publish(ctx, by, "quy-hoach", v.Number, catalog.VersionResult{FeatureCount: int64(100 * i), CRS: "EPSG:9206"}); err != nil {
			t.Fatal(err)
		}
	}
	v3, err := cat.AddVersion(ctx, by, "quy-hoach", catalog.NewVersion{SourceHash: fmt.Sprintf("%064x", 3)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.FailVersion(ctx, by, "quy-hoach", v3.Number, json.RawMessage(`[{"feature":3,"reason":"outside Vietnam"}]`)); err != nil {
		t.Fatal(err)
	}
	defer cat.Close()

	ls := jsonOf[[]catalog.Layer](t, c.ok("", "admin", "layer", "list", "--json"))
	if len(ls) != 1 || ls[0].CurrentVersion != 2 || ls[0].Owner != "so-xay-dung" || ls[0].Title != "Quy hoạch sử dụng đất" {
		t.Fatalf("layer list --json: %+v", ls)
	}
	vs := jsonOf[[]catalog.Version](t, c.ok("", "admin", "layer", "versions", "quy-hoach", "--json"))
	if len(vs) != 3 || vs[0].Status != catalog.Failed || vs[1].FeatureCount != 200 || vs[2].Number != 1 {
		t.Fatalf("layer versions --json: %+v", vs)
	}
	r := c.ok("", "admin", "layer", "rollback", "quy-hoach", "1")
	if !strings.Contains(r.stdout, "now serves version 1") {
		t.Errorf("rollback said %q", r.stdout)
	}
	if l, _ := cat.Layer(ctx, "quy-hoach"); l.CurrentVersion != 1 {
		t.Errorf("current version %d after rollback, want 1", l.CurrentVersion)
	}
	text := c.ok("", "admin", "layer", "versions", "quy-hoach").stdout
	if !regexp.MustCompile(`(?m)^1\s+published\s+\*\s+100\s+EPSG:9206`).MatchString(text) {
		t.Errorf("layer versions does not mark version 1 current:\n%s", text)
	}
	c.fails(exitConflict, "", "admin", "layer", "rollback", "quy-hoach", "1") // current already
	c.fails(exitConflict, "", "admin", "layer", "rollback", "quy-hoach", "3") // failed
	c.fails(exitNotFound, "", "admin", "layer", "rollback", "quy-hoach", "9")
	c.fails(exitNotFound, "", "admin", "layer", "rollback", "khong-co", "1")
	c.fails(exitUsage, "", "admin", "layer", "rollback", "quy-hoach", "one")
	c.fails(exitUsage, "", "admin", "layer", "rollback", "quy-hoach")
	c.fails(exitNotFound, "", "admin", "layer", "versions", "khong-co")
	l := jsonOf[catalog.Layer](t, c.ok("", "admin", "layer", "rollback", "quy-hoach", "v2", "--json"))
	if l.CurrentVersion != 2 {
		t.Errorf("rollback --json: %+v", l)
	}
	audit := jsonOf[[]catalog.AuditEntry](t, c.ok("", "admin", "audit", "--json"))
	var rb []string
	for _, e := range audit {
		if e.Action == "layer.rollback" {
			var d bytes.Buffer
			json.Compact(&d, e.Details)
			rb = append(rb, e.Actor+" "+d.String())
		}
	}
	if len(rb) != 2 || !strings.HasPrefix(rb[0], "system:cli:") || !strings.HasSuffix(rb[0], `{"from":2,"to":1}`) {
		t.Errorf("audited rollbacks %q", rb)
	}
}

// TestAdminNewerSchema: a catalog written by a newer plantile is refused
// with exit code 1 and a message that says to upgrade.
func TestAdminNewerSchema(t *testing.T) {
	c := &cli{t: t, bin: plantileBin(t), data: t.TempDir()}
	cat, err := catalog.Open(c.data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat.Close()
	db, err := sql.Open("sqlite3", filepath.Join(c.data, catalog.FileName))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'future')`, catalog.SchemaVersion+1)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := c.fails(exitError, "", "admin", "org", "list")
	if !strings.Contains(r.stderr, "upgrade plantile") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestAdminUserAddPrompt: on a terminal (a pseudo-terminal made by
// util-linux's script), user add asks for the password twice; different
// answers are refused with exit code 2. (That the terminal does not echo
// is term.ReadPassword's work and is not asserted: the test's input is
// queued before the prompt, when echo is still on.)
func TestAdminUserAddPrompt(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("script (util-linux, Debian bsdutils) is required in CI")
		}
		t.Skip("no script command to make a pseudo-terminal")
	}
	bin := plantileBin(t)
	data := t.TempDir()
	const pw = "Mật khẩu dài lắm"
	tty := func(input string, args ...string) (string, int) {
		t.Helper()
		line := bin
		for _, a := range args {
			line += " '" + a + "'"
		}
		cmd := exec.Command(script, "-qec", line, "/dev/null")
		cmd.Env = append(os.Environ(), catalog.EnvDataDir+"="+data)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := tty("", "admin", "org", "add", "xa-a", "--name", "Xã A"); code != 0 {
		t.Fatalf("org add: %d %s", code, out)
	}
	out, code := tty(pw+"\n"+pw+"\n", "admin", "user", "add", "lan", "--org", "xa-a")
	if code != 0 || strings.Count(out, "Password") != 2 || !strings.Contains(out, "user lan added") {
		t.Fatalf("user add on a terminal: exit %d\n%s", code, out)
	}
	out, code = tty(pw+"\n"+"something else\n", "admin", "user", "add", "minh", "--org", "xa-a")
	if code != exitUsage || !strings.Contains(out, "passwords differ") {
		t.Errorf("different passwords: exit %d\n%s", code, out)
	}
	cat, err := catalog.Open(data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if _, err := cat.Login(context.Background(), "lan", pw); err != nil {
		t.Errorf("login with the typed password: %v", err)
	}
	if _, err := cat.Login(context.Background(), "minh", pw); catalog.ErrorKind(err) != catalog.Unauthorized {
		t.Errorf("minh exists after different passwords: %v", err)
	}
}
