package main

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// adminEnv is what every admin subcommand shares: the data directory flag
// and whether to print JSON.
type adminEnv struct {
	data   string
	asJSON bool
}

// open opens the catalog of the data directory (flag, $PLANTILE_DATA, or
// the user's data directory).
func (e *adminEnv) open() (*catalog.Catalog, error) {
	dir, err := catalog.DataDir(e.data, os.Getenv)
	if err != nil {
		return nil, err
	}
	return catalog.Open(dir, catalog.Options{})
}

// do opens the catalog, runs fn as the CLI's admin principal and closes it.
func (e *adminEnv) do(fn func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		c, err := e.open()
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(cmd.Context(), c, catalog.System("cli:"+osUser()))
	}
}

// osUser names the person running the CLI in the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// args wraps a cobra argument check so that its failure is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// group is a command that only holds subcommands: run alone or with an
// unknown subcommand it is a usage error, not help with exit code 0.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{fmt.Errorf("%s needs a subcommand (see %s --help)", strings.TrimPrefix(cmd.CommandPath(), "plantile "), cmd.CommandPath())}
		},
	}
	g.AddCommand(subs...)
	return g
}

func newAdminCmd() *cobra.Command {
	e := &adminEnv{}
	admin := group("admin", "Manage the catalog: organisations, tokens, users, layers, audit log",
		e.orgCmd(), e.tokenCmd(), e.userCmd(), e.layerCmd(), e.auditCmd())
	admin.Long = `admin manages the catalog in the data directory: organisations that own
layers, API tokens for scripts, users who sign in to the web map, layer
versions and rollback, and the audit log of every change.

The data directory is --data DIR, else $PLANTILE_DATA, else
$XDG_DATA_HOME/plantile, else ~/.local/share/plantile.

Every list command takes --json. Exit codes: 0 done, 1 error, 2 usage or
invalid input, 3 not found, 4 conflict (exists already, revoked already, a
version that cannot be served), 5 not allowed.`
	admin.PersistentFlags().StringVar(&e.data, "data", "", "data directory (default $PLANTILE_DATA, else ~/.local/share/plantile)")
	admin.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return admin
}

func (e *adminEnv) jsonFlag(cmd *cobra.Command) *cobra.Command {
	cmd.Flags().BoolVar(&e.asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// print writes v as indented JSON, or calls text with a tab writer.
func (e *adminEnv) print(cmd *cobra.Command, v any, text func(w io.Writer)) error {
	out := cmd.OutOrStdout()
	if e.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (e *adminEnv) orgCmd() *cobra.Command {
	var name, kind string
	add := &cobra.Command{
		Use:   "add ID --name NAME [--kind KIND]",
		Short: "Add an organisation",
		Long: `add creates an organisation. ID is a safe id (lowercase a-z, digits, '-',
'_'); NAME is its Vietnamese name (stored NFC). KIND is one of: province,
department, commune, ward, former-district, other (default other).`,
		Args: args(cobra.ExactArgs(1)),
	}
	add.RunE = func(cmd *cobra.Command, a []string) error {
		if name == "" {
			return usageError{errors.New("org add: --name is required")}
		}
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			o, err := c.AddOrg(ctx, by, a[0], name, catalog.OrgKind(kind))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "plantile: organisation %s added (%s)\n", o.ID, o.Kind)
			return nil
		})(cmd, a)
	}
	add.Flags().StringVar(&name, "name", "", "the organisation's name, e.g. \"Sở Xây dựng\" (required)")
	add.Flags().StringVar(&kind, "kind", string(catalog.KindOther), "province, department, commune, ward, former-district or other")

	list := e.jsonFlag(&cobra.Command{Use: "list", Short: "List the organisations", Args: args(cobra.NoArgs)})
	list.RunE = e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
		orgs, err := c.Orgs(ctx)
		if err != nil {
			return err
		}
		return e.print(list, orgs, func(w io.Writer) {
			fmt.Fprintln(w, "ID\tKIND\tNAME\tCREATED")
			for _, o := range orgs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Name, o.CreatedAt)
			}
		})
	})
	return group("org", "Manage organisations", add, list)
}

func (e *adminEnv) tokenCmd() *cobra.Command {
	var org, label string
	var asAdmin bool
	add := &cobra.Command{
		Use:   "add (--org ID | --admin) [--label TEXT]",
		Short: "Create an API token; prints it alone on stdout, once",
		Long: `add creates an API token for scripts, scoped to one organisation (--org)
or with every right (--admin). The token is printed alone on stdout and
never again: only its hash is stored. Its id (for list and revoke) goes to
stderr.`,
		Args: args(cobra.NoArgs),
	}
	add.RunE = func(cmd *cobra.Command, a []string) error {
		if asAdmin == (org != "") {
			return usageError{errors.New("token add: give either --org ID or --admin")}
		}
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			t, secret, err := c.AddToken(ctx, by, org, asAdmin, label)
			if err != nil {
				return err
			}
			scope := "admin"
			if org != "" {
				scope = "organisation " + org
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "plantile: token %s created for %s; it is shown once: keep it now\n", t.ID, scope)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), secret)
			return err
		})(cmd, a)
	}
	add.Flags().StringVar(&org, "org", "", "the organisation the token acts for")
	add.Flags().BoolVar(&asAdmin, "admin", false, "an admin token (every organisation's layers, the admin API)")
	add.Flags().StringVar(&label, "label", "", "a note to recognise the token by in lists")

	list := e.jsonFlag(&cobra.Command{Use: "list", Short: "List the tokens (never their secrets)", Args: args(cobra.NoArgs)})
	list.RunE = e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
		toks, err := c.Tokens(ctx)
		if err != nil {
			return err
		}
		return e.print(list, toks, func(w io.Writer) {
			fmt.Fprintln(w, "ID\tSCOPE\tLABEL\tCREATED\tLAST USED\tREVOKED")
			for _, t := range toks {
				scope := "org:" + t.Org
				if t.Admin {
					scope = "admin"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, scope, orDash(t.Label), t.CreatedAt, orDash(t.LastUsedAt), orDash(t.RevokedAt))
			}
		})
	})

	revoke := &cobra.Command{Use: "revoke TOKEN_ID", Short: "Revoke a token", Args: args(cobra.ExactArgs(1))}
	revoke.RunE = func(cmd *cobra.Command, a []string) error {
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			if err := c.RevokeToken(ctx, by, a[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "plantile: token revoked")
			return nil
		})(cmd, a)
	}
	return group("token", "Manage API tokens", add, list, revoke)
}

func (e *adminEnv) userCmd() *cobra.Command {
	var org string
	var fromStdin bool
	add := &cobra.Command{
		Use:   "add NAME --org ID [--password-stdin]",
		Short: "Add a user who signs in to the web map",
		Long: fmt.Sprintf(`add creates a user of an organisation. The password is asked twice on the
terminal (not echoed), or read from the first line of standard input with
--password-stdin. It has %d to %d characters and is stored as an argon2id
hash only.`, catalog.MinPasswordLen, catalog.MaxPasswordLen),
		Args: args(cobra.ExactArgs(1)),
	}
	add.RunE = func(cmd *cobra.Command, a []string) error {
		if org == "" {
			return usageError{errors.New("user add: --org is required")}
		}
		if !catalog.ValidID(a[0]) {
			// Refuse before asking for a password.
			return usageError{fmt.Errorf("user add: %q is not a safe user name (lowercase a-z, digits, '-', '_')", a[0])}
		}
		pw, err := readPassword(cmd, fromStdin)
		if err != nil {
			return err
		}
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			u, err := c.AddUser(ctx, by, a[0], org, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "plantile: user %s added to %s\n", u.Name, u.Org)
			return nil
		})(cmd, a)
	}
	add.Flags().StringVar(&org, "org", "", "the user's organisation (required)")
	add.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")

	list := e.jsonFlag(&cobra.Command{Use: "list", Short: "List the users", Args: args(cobra.NoArgs)})
	list.RunE = e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
		us, err := c.Users(ctx)
		if err != nil {
			return err
		}
		return e.print(list, us, func(w io.Writer) {
			fmt.Fprintln(w, "NAME\tORG\tDISABLED\tLOCKED UNTIL\tLAST LOGIN\tCREATED")
			for _, u := range us {
				fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\t%s\n", u.Name, u.Org, u.Disabled, orDash(u.LockedUntil), orDash(u.LastLoginAt), u.CreatedAt)
			}
		})
	})

	disable := &cobra.Command{Use: "disable NAME", Short: "Disable a user", Args: args(cobra.ExactArgs(1))}
	disable.RunE = func(cmd *cobra.Command, a []string) error {
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			if err := c.DisableUser(ctx, by, a[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "plantile: user %s disabled\n", a[0])
			return nil
		})(cmd, a)
	}
	return group("user", "Manage users", add, list, disable)
}

// readPassword reads a new password from the terminal (twice, no echo) or,
// with fromStdin, from the first line of standard input.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	if fromStdin {
		r := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), catalog.MaxPasswordLen+2))
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		if !strings.HasSuffix(line, "\n") && len(line) > catalog.MaxPasswordLen {
			return "", usageError{fmt.Errorf("the password is longer than %d bytes", catalog.MaxPasswordLen)}
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", usageError{errors.New("standard input is not a terminal: pipe the password with --password-stdin")}
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		return b, err
	}
	first, err := ask("Password: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	again, err := ask("Password again: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if subtle.ConstantTimeCompare(first, again) != 1 {
		return "", usageError{errors.New("the passwords differ")}
	}
	return string(first), nil
}

func (e *adminEnv) layerCmd() *cobra.Command {
	list := e.jsonFlag(&cobra.Command{Use: "list", Short: "List the layers", Args: args(cobra.NoArgs)})
	list.RunE = e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
		ls, err := c.Layers(ctx)
		if err != nil {
			return err
		}
		return e.print(list, ls, func(w io.Writer) {
			fmt.Fprintln(w, "ID\tOWNER\tCURRENT\tTITLE\tUPDATED")
			for _, l := range ls {
				cur := "-"
				if l.CurrentVersion > 0 {
					cur = strconv.Itoa(l.CurrentVersion)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.ID, l.Owner, cur, l.Title, l.UpdatedAt)
			}
		})
	})

	versions := e.jsonFlag(&cobra.Command{Use: "versions LAYER", Short: "List a layer's versions, newest first", Args: args(cobra.ExactArgs(1))})
	versions.RunE = func(cmd *cobra.Command, a []string) error {
		return e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
			l, err := c.Layer(ctx, a[0])
			if err != nil {
				return err
			}
			vs, err := c.Versions(ctx, a[0])
			if err != nil {
				return err
			}
			return e.print(cmd, vs, func(w io.Writer) {
				fmt.Fprintln(w, "VERSION\tSTATUS\tCURRENT\tFEATURES\tCRS\tUPLOADER\tCREATED\tFILE")
				for _, v := range vs {
					cur := ""
					if v.Number == l.CurrentVersion {
						cur = "*"
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", v.Number, v.Status, cur, v.FeatureCount, orDash(v.CRS), v.Uploader, v.CreatedAt, v.File)
				}
			})
		})(cmd, a)
	}

	rollback := e.jsonFlag(&cobra.Command{
		Use:   "rollback LAYER VERSION",
		Short: "Serve an earlier published version of a layer (a catalog change; nothing is rebuilt)",
		Args:  args(cobra.ExactArgs(2)),
	})
	rollback.RunE = func(cmd *cobra.Command, a []string) error {
		n, err := strconv.Atoi(strings.TrimPrefix(a[1], "v"))
		if err != nil || n < 1 {
			return usageError{fmt.Errorf("layer rollback: version %q is not a number from 1", a[1])}
		}
		return e.do(func(ctx context.Context, c *catalog.Catalog, by catalog.Principal) error {
			l, err := c.Rollback(ctx, by, a[0], n)
			if err != nil {
				return err
			}
			return e.print(cmd, l, func(w io.Writer) {
				fmt.Fprintf(w, "layer %s now serves version %d\n", l.ID, l.CurrentVersion)
			})
		})(cmd, a)
	}
	return group("layer", "List layers and versions; roll back", list, versions, rollback)
}

func (e *adminEnv) auditCmd() *cobra.Command {
	var limit int
	cmd := e.jsonFlag(&cobra.Command{
		Use:   "audit [--limit N]",
		Short: "Print the audit log, oldest first",
		Args:  args(cobra.NoArgs),
	})
	cmd.Flags().IntVar(&limit, "limit", 100, "the last N entries (0: all)")
	cmd.RunE = e.do(func(ctx context.Context, c *catalog.Catalog, _ catalog.Principal) error {
		if limit < 0 {
			return usageError{errors.New("audit: --limit must be 0 or more")}
		}
		log, err := c.Audit(ctx, limit)
		if err != nil {
			return err
		}
		return e.print(cmd, log, func(w io.Writer) {
			fmt.Fprintln(w, "SEQ\tAT\tACTOR\tACTION\tTARGET\tDETAILS")
			for _, a := range log {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", a.Seq, a.At, a.Actor, a.Action, a.Target, a.Details)
			}
		})
	})
	return cmd
}
