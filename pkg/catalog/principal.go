package catalog

// Principal is who is acting: an API token, a signed-in user, or the
// system itself (the admin CLI, startup). The HTTP layer gets one from
// Authenticate or Login; the CLI uses System.
type Principal struct {
	// Admin principals may change any organisation's layers and manage
	// the catalog.
	Admin bool `json:"admin"`
	// Org is the organisation a non-admin principal acts for.
	Org string `json:"org,omitempty"`
	// Token is the id of the API token used, if any.
	Token string `json:"token,omitempty"`
	// User is the signed-in user's name, if any.
	User string `json:"user,omitempty"`
	// System names an internal actor ("cli:root", "startup").
	System string `json:"system,omitempty"`
}

// System returns an admin principal for an internal actor, such as the
// admin command line ("cli:" + the OS user) or the server at startup.
func System(name string) Principal { return Principal{Admin: true, System: name} }

// Actor is how the audit log names p; it never contains a secret.
func (p Principal) Actor() string {
	switch {
	case p.Token != "":
		return "token:" + p.Token
	case p.User != "":
		return "user:" + p.User
	case p.System != "":
		return "system:" + p.System
	}
	return "anonymous"
}

func (p Principal) valid() bool {
	return p.Token != "" || p.User != "" || p.System != ""
}

// CanModifyLayer says whether p may upload to, roll back or otherwise change
// layer l: an admin always, an organisation only its own layers. It returns
// nil, or an error of kind Unauthorized (no principal) or Forbidden.
func (p Principal) CanModifyLayer(l Layer) error {
	return p.CanActFor(l.Owner)
}

// CanActFor says whether p may act for organisation org (create layers it
// will own, see its jobs): an admin, or a principal of that organisation.
func (p Principal) CanActFor(org string) error {
	switch {
	case !p.valid():
		return errorf(Unauthorized, "no credentials")
	case p.Admin:
		return nil
	case p.Org != "" && p.Org == org:
		return nil
	}
	return errorf(Forbidden, "%s may not act for organisation %q", p.Actor(), org)
}

// RequireAdmin returns nil for an admin principal, an error of kind
// Unauthorized or Forbidden otherwise.
func (p Principal) RequireAdmin() error {
	switch {
	case !p.valid():
		return errorf(Unauthorized, "no credentials")
	case p.Admin:
		return nil
	}
	return errorf(Forbidden, "%s is not an administrator", p.Actor())
}
