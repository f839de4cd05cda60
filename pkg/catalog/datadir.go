package catalog

import (
	"errors"
	"path/filepath"
	"runtime"
)

// EnvDataDir is the environment variable that names the data directory
// when no flag does.
const EnvDataDir = "PLANTILE_DATA"

// DataDir resolves the data directory: flag when set, else $PLANTILE_DATA,
// else the user's data directory:
//
//   - Linux and other Unix: $XDG_DATA_HOME/plantile, or
//     ~/.local/share/plantile (the XDG base directory default);
//   - macOS: ~/Library/Application Support/plantile;
//   - Windows: %LocalAppData%\plantile.
//
// os.UserConfigDir is deliberately not used: the catalog is data (layers,
// versions, raw uploads), not configuration. getenv is os.Getenv in
// production; tests pass their own.
func DataDir(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if d := getenv(EnvDataDir); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "plantile"), nil
		}
		return "", errors.New("catalog: no data directory: set --data or " + EnvDataDir + " (%LocalAppData% is not set)")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support", "plantile"), nil
		}
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "plantile"), nil
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".local", "share", "plantile"), nil
		}
	}
	return "", errors.New("catalog: no data directory: set --data or " + EnvDataDir + " ($HOME is not set)")
}
