package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/caarlos0/env/v11"
)

// envPrefix prefixes every environment variable patchworkd reads.
const envPrefix = "PATCHWORK_"

// LoadConfig returns DefaultConfig overlaid with the TOML file at path (if
// path is not "") and then with the PATCHWORK_* variables of environ.
func LoadConfig(path string, environ map[string]string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return cfg, fmt.Errorf("config file %s does not exist", path)
			}
			return cfg, fmt.Errorf("config file %s: %w", path, oneLine(err))
		}
		// A misspelt key would otherwise be silently ignored.
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return cfg, fmt.Errorf("config file %s: unknown key(s) %s", path, strings.Join(keys, ", "))
		}
	}
	err := env.ParseWithOptions(&cfg, env.Options{Environment: environ, Prefix: envPrefix})
	if err != nil {
		return cfg, fmt.Errorf("environment: %w", oneLine(err))
	}
	return cfg, nil
}

// oneLine flattens multi-line errors (TOML positions, env aggregates) so
// that the CLI prints exactly one line.
func oneLine(err error) error {
	s := strings.Join(strings.Fields(err.Error()), " ")
	return errors.New(s)
}

// dbScheme returns the dialect named by a database URL, or "".
func dbScheme(u string) string {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		return "sqlite"
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres"
	case strings.HasPrefix(u, "mysql://"):
		return "mysql"
	}
	return ""
}

// Validate checks every value once, so that a bad setting fails at start-up
// with a message naming it rather than deep inside a component.
func (c *Config) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	switch {
	case c.DB == "":
		bad("db: no database URL (use --db or PATCHWORK_DB)")
	case dbScheme(c.DB) == "":
		bad("db: unknown database URL scheme in %q (want sqlite:PATH, postgres://... or mysql://...)", redactURL(c.DB))
	case dbScheme(c.DB) == "sqlite" && strings.TrimPrefix(c.DB, "sqlite:") == "":
		bad("db: sqlite: URL without a path")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("base_url: %q is not an http(s) URL", c.BaseURL)
		}
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "warning", "error":
	default:
		bad("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format: %q is not text or json", c.Log.Format)
	}
	for name, addr := range map[string]string{"ssh.addr": c.SSH.Addr, "http.addr": c.HTTP.Addr} {
		if _, port, err := net.SplitHostPort(addr); err != nil || !validPort(port) {
			bad("%s: %q is not a HOST:PORT address", name, addr)
		}
	}
	if c.SSH.HostKeyPath == "" {
		bad("ssh.host_key_path: empty")
	}
	if c.SSH.MaxSessions < 0 || c.SSH.MaxSessionsPerUser < 0 || c.SSH.MaxAnonymousSessions < 0 ||
		c.SSH.MaxAnonymousSessionsPerAddr < 0 || c.SSH.MaxConnectionsPerAddr < 0 || c.SSH.MaxChannelsPerConnection < 0 {
		bad("ssh: session and connection limits must not be negative")
	}
	if c.SSH.DBConnections < 1 {
		bad("ssh.db_connections: %d, want at least 1", c.SSH.DBConnections)
	}
	if c.SSH.TUISlots < 0 {
		bad("ssh.tui_slots: %d, want 0 (one fewer than the cores) or more", c.SSH.TUISlots)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || !validPort(port) {
			bad("metrics_addr: %q is not a HOST:PORT address", c.MetricsAddr)
		}
	}
	for name, d := range map[string]time.Duration{
		"ssh.idle_timeout": c.SSH.IdleTimeout, "ssh.anonymous_idle_timeout": c.SSH.AnonymousIdleTimeout, "http.read_timeout": c.HTTP.ReadTimeout,
		"http.write_timeout": c.HTTP.WriteTimeout, "http.idle_timeout": c.HTTP.IdleTimeout,
		"shutdown_timeout": c.ShutdownTimeout, "http.expensive.wait": c.HTTP.Expensive.Wait,
		"http.expensive.timeout": c.HTTP.Expensive.Timeout,
	} {
		if d < 0 {
			bad("%s: negative duration %s", name, d)
		}
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		bad("http.max_body_bytes: must be positive")
	}
	if c.MaxMailBytes <= 0 {
		bad("max_mail_bytes: must be positive")
	}
	if c.HeldGraceMinutes < 0 {
		bad("held_grace_minutes: must not be negative")
	}
	if c.HeldRetentionDays <= 0 {
		bad("held_retention_days: must be positive")
	}
	if c.HTTP.Expensive.Slots < 0 {
		bad("http.expensive.slots: must not be negative")
	}
	switch c.SMTP.TLS {
	case "none", "starttls", "tls":
	default:
		bad("smtp.tls: %q is not none, starttls or tls", c.SMTP.TLS)
	}
	if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
		bad("smtp.port: %d out of range", c.SMTP.Port)
	}
	for name, a := range map[string]string{
		"smtp.default_from_email": c.SMTP.DefaultFromEmail, "smtp.notification_from_email": c.SMTP.NotificationFromEmail,
	} {
		if a == "" {
			continue
		}
		if _, err := mail.ParseAddress(a); err != nil {
			bad("%s: %q is not a mail address", name, a)
		}
	}
	if c.LMTPAddr != "" {
		if _, port, err := net.SplitHostPort(c.LMTPAddr); err != nil || !validPort(port) {
			bad("lmtp_addr: %q is not a HOST:PORT address", c.LMTPAddr)
		}
	}
	if c.LMTPMaxBytes <= 0 {
		bad("lmtp_max_bytes: must be positive")
	}
	if c.SMTP.RepliesPerHour == 0 || c.SMTP.RepliesPerHour < -1 {
		bad("smtp.replies_per_hour: %d (want a positive cap, or -1 for none; allow_replies turns a project's replies off)", c.SMTP.RepliesPerHour)
	}
	if c.NotificationDelayMinutes < 0 {
		bad("notification_delay_minutes: must not be negative")
	}
	if c.ConfirmationValidityDays <= 0 {
		bad("confirmation_validity_days: must be positive")
	}
	a := c.Auth
	if a.LoginFailuresPerAddr < 0 || a.LoginFailuresPerUser < 0 || a.PasswordChecks < 0 || a.PasswordQueue < 0 ||
		a.RegistrationsPerAddr < 0 || a.RegistrationsPerKey < 0 || a.RegistrationMailsPerEmail < 0 || a.LoginCacheTTL < 0 {
		bad("auth: limits must not be negative")
	}
	// A bucket that never refills would lock its address or name out
	// until a restart.
	for name, r := range map[string]struct {
		n int
		d time.Duration
	}{
		"auth.login_failure_addr_refill": {a.LoginFailuresPerAddr, a.LoginFailureAddrRefill},
		"auth.login_failure_user_refill": {a.LoginFailuresPerUser, a.LoginFailureUserRefill},
		"auth.registration_refill":       {a.RegistrationsPerAddr + a.RegistrationsPerKey + a.RegistrationMailsPerEmail, a.RegistrationRefill},
	} {
		if r.n > 0 && r.d <= 0 {
			bad("%s: must be positive", name)
		}
	}
	if c.MaxBundlePatches <= 0 {
		bad("max_bundle_patches: must be positive")
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return fmt.Errorf("bad configuration: %s", strings.Join(errs, "; "))
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// Environ renders the configuration as PATCHWORK_* variables, sorted, so
// that tests and child processes (an MTA pipe, cron) see exactly this
// configuration. LoadConfig(“”, Environ()) gives back an equal Config.
func (c *Config) Environ() []string {
	var out []string
	walkEnv(reflect.ValueOf(*c), envPrefix, &out)
	sort.Strings(out)
	return out
}

func walkEnv(v reflect.Value, prefix string, out *[]string) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if p, ok := f.Tag.Lookup("envPrefix"); ok {
			walkEnv(fv, prefix+p, out)
			continue
		}
		name, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		var s string
		switch x := fv.Interface().(type) {
		case time.Duration:
			s = x.String()
		default:
			s = fmt.Sprint(x)
		}
		*out = append(*out, prefix+name+"="+s)
	}
}
