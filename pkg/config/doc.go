// Package config holds plantile's typed server configuration: its defaults,
// how it is loaded (YAML file, PLANTILE_* environment variables and command
// line flags, through viper) and Validate, which reports every problem as a
// typed *FieldError.
//
// It sits beside cmd: the command line builds a Config here and hands the
// plain struct to pkg/server, which never sees viper. Nothing in this package
// keeps global state; each Load call uses its own viper instance.
package config
