package main

import (
	"net"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

// Config is the whole configuration of patchworkd. Values come, in rising
// precedence, from DefaultConfig, an optional TOML file (--config or
// PATCHWORK_CONFIG), PATCHWORK_* environment variables and command-line
// flags. Packages never read it: cmd hands each one its own Options.
type Config struct {
	// DB is the database URL: sqlite:PATH, postgres://... or mysql://...
	DB string `toml:"db" env:"DB"`
	// BaseURL is the public URL of the HTTP front ends, used for absolute
	// links; "" derives it from the HTTP address.
	BaseURL string `toml:"base_url" env:"BASE_URL"`

	Log  LogConfig  `toml:"log" envPrefix:"LOG_"`
	SSH  SSHConfig  `toml:"ssh" envPrefix:"SSH_"`
	HTTP HTTPConfig `toml:"http" envPrefix:"HTTP_"`
	SMTP SMTPConfig `toml:"smtp" envPrefix:"SMTP_"`
	Auth AuthConfig `toml:"auth" envPrefix:"AUTH_"`

	// NotificationDelayMinutes is how long a patch's state must stay
	// unchanged before cron mails its submitter (upstream
	// NOTIFICATION_DELAY_MINUTES).
	NotificationDelayMinutes int `toml:"notification_delay_minutes" env:"NOTIFICATION_DELAY_MINUTES"`
	// ConfirmationValidityDays is how long a mailed confirmation link (and an
	// unconfirmed registration) lives before cron expires it.
	ConfirmationValidityDays int `toml:"confirmation_validity_days" env:"CONFIRMATION_VALIDITY_DAYS"`
	// ShutdownTimeout bounds the graceful stop of serve.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout" env:"SHUTDOWN_TIMEOUT"`
	// PprofAddr, when set, serves Go's net/http/pprof profiles on that
	// address for operators chasing CPU or memory (keep it on localhost:
	// profiles show internals). Off by default.
	PprofAddr string `toml:"pprof_addr" env:"PPROF_ADDR"`
	// MetricsAddr, when set, serves Prometheus metrics (/metrics) on that
	// address, never on the public HTTP port: they show internals (keep it
	// on localhost or a private network). Off by default.
	MetricsAddr string `toml:"metrics_addr" env:"METRICS_ADDR"`
	// MailSocket, when set, is a Unix socket on which serve takes mail
	// over LMTP: from the mail server directly (Postfix
	// lmtp:unix:/run/patchwork/lmtp.sock) and from parsemail, which hands
	// its mail over (storing nothing itself, and storing the mail when no
	// daemon answers): each mail then uses the daemon's database
	// connections instead of opening one. The socket is made mode 0660:
	// give the mail server's user the daemon's group.
	MailSocket string `toml:"mail_socket" env:"MAIL_SOCKET"`
	// MaxMailBytes is the largest mail taken in; a larger one is kept as a
	// failed mail (the mail server still gets success: no bounce).
	MaxMailBytes int64 `toml:"max_mail_bytes" env:"MAX_MAIL_BYTES"`
	// HeldGraceMinutes is how long a reply whose direct parent has not
	// arrived waits for it before cron or serve places it on the nearest
	// stored mail it names, as upstream does at once.
	HeldGraceMinutes int `toml:"held_grace_minutes" env:"HELD_GRACE_MINUTES"`
	// HeldRetentionDays is how long a reply that names no stored patch or
	// cover stays held; then it is kept as a failed mail, or dropped when
	// its thread has no stored mail at all.
	HeldRetentionDays int `toml:"held_retention_days" env:"HELD_RETENTION_DAYS"`
	// MaxBundlePatches is how many patches one bundle may hold (REST,
	// TUI and every other writer are refused beyond it): a public bundle
	// is served whole to anyone, as REST JSON and as one mbox.
	MaxBundlePatches int `toml:"max_bundle_patches" env:"MAX_BUNDLE_PATCHES"`
	// LMTPAddr, when set, is a TCP address on which serve takes mail over
	// LMTP too (e.g. 127.0.0.1:2424 for Postfix lmtp:inet:127.0.0.1:2424);
	// parsemail uses it when MailSocket is not set.
	LMTPAddr string `toml:"lmtp_addr" env:"LMTP_ADDR"`
	// LMTPMaxBytes is the SIZE the LMTP server announces: a larger mail is
	// refused before it is sent (the mail server bounces it).
	LMTPMaxBytes int64 `toml:"lmtp_max_bytes" env:"LMTP_MAX_BYTES"`
}

// LogConfig selects the slog handler.
type LogConfig struct {
	Level  string `toml:"level" env:"LEVEL"`   // debug, info, warn, error
	Format string `toml:"format" env:"FORMAT"` // text or json
}

// SSHConfig configures the SSH TUI server.
type SSHConfig struct {
	Addr        string `toml:"addr" env:"ADDR"`
	HostKeyPath string `toml:"host_key_path" env:"HOST_KEY_PATH"`
	// AllowAnonymous lets unknown keys in read-only.
	AllowAnonymous bool `toml:"allow_anonymous" env:"ALLOW_ANONYMOUS"`
	// IdleTimeout closes registered users' connections without traffic;
	// AnonymousIdleTimeout, shorter, every other connection.
	IdleTimeout          time.Duration `toml:"idle_timeout" env:"IDLE_TIMEOUT"`
	AnonymousIdleTimeout time.Duration `toml:"anonymous_idle_timeout" env:"ANONYMOUS_IDLE_TIMEOUT"`
	// MaxSessions and MaxSessionsPerUser bound registered users' sessions;
	// anonymous ones have their own pool, bounded in total and per source
	// address, so that throwaway keys never fill the registered users' room.
	MaxSessions                 int `toml:"max_sessions" env:"MAX_SESSIONS"`
	MaxSessionsPerUser          int `toml:"max_sessions_per_user" env:"MAX_SESSIONS_PER_USER"`
	MaxAnonymousSessions        int `toml:"max_anonymous_sessions" env:"MAX_ANONYMOUS_SESSIONS"`
	MaxAnonymousSessionsPerAddr int `toml:"max_anonymous_sessions_per_addr" env:"MAX_ANONYMOUS_SESSIONS_PER_ADDR"`
	// MaxConnectionsPerAddr bounds the connections open from one address
	// (an IPv6 /64), MaxChannelsPerConnection the sessions open at once on
	// one connection. 0 means unlimited, for all of these.
	MaxConnectionsPerAddr    int `toml:"max_connections_per_addr" env:"MAX_CONNECTIONS_PER_ADDR"`
	MaxChannelsPerConnection int `toml:"max_channels_per_connection" env:"MAX_CHANNELS_PER_CONNECTION"`
	// Command is how users reach the SSH server ("ssh -p 2222
	// patches.example.org"), shown in the TUI's apply commands; ""
	// derives it from base_url's host and addr's port.
	Command string `toml:"command" env:"COMMAND"`
	// StateKeys are the TUI's one-key states, key = state slug (e.g.
	// A = "accepted"); unset: A accepted, R rejected, C changes-requested,
	// U under-review, N new.
	StateKeys map[string]string `toml:"state_keys"`
	// DBConnections is the size of the SSH front end's own database
	// connection pool: hundreds of TUI sessions wait for these, never for
	// the HTTP requests' and mails' connections.
	DBConnections int `toml:"db_connections" env:"DB_CONNECTIONS"`
	// TUISlots is how many TUI sessions update and draw at once (0: one
	// fewer than the cores), so that HTTP and mail always find a core.
	TUISlots int `toml:"tui_slots" env:"TUI_SLOTS"`
}

// HTTPConfig configures the HTTP server (web, REST, XML-RPC).
type HTTPConfig struct {
	Addr string `toml:"addr" env:"ADDR"`
	// XMLRPC serves /xmlrpc/ for pwclient (upstream ENABLE_XMLRPC).
	XMLRPC       bool          `toml:"xmlrpc" env:"XMLRPC"`
	ReadTimeout  time.Duration `toml:"read_timeout" env:"READ_TIMEOUT"`
	WriteTimeout time.Duration `toml:"write_timeout" env:"WRITE_TIMEOUT"`
	IdleTimeout  time.Duration `toml:"idle_timeout" env:"IDLE_TIMEOUT"`
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64 `toml:"max_body_bytes" env:"MAX_BODY_BYTES"`
	// Expensive is the admission gate that REST, the web view and XML-RPC
	// share for lists no index answers.
	Expensive ExpensiveConfig `toml:"expensive" envPrefix:"EXPENSIVE_"`
}

// ExpensiveConfig bounds the lists no index answers (sorted by name,
// deep pages, word searches, XML-RPC's unbounded patch_list): how many
// run at once, how long one queues for a slot before a "busy" answer,
// and how long its queries (each chunk of a streamed answer) may run.
type ExpensiveConfig struct {
	Slots   int           `toml:"slots" env:"SLOTS"`
	Wait    time.Duration `toml:"wait" env:"WAIT"`
	Timeout time.Duration `toml:"timeout" env:"TIMEOUT"`
}

// AuthConfig bounds the work strangers can make the server do on logins
// and registrations (the service's Limits). Each limit is a token bucket:
// so many at once, then one more each refill interval; a count of 0 is
// no limit.
type AuthConfig struct {
	// LoginFailuresPerAddr and LoginFailuresPerUser are the failed
	// password logins (HTTP Basic: REST, XML-RPC, web) allowed per source
	// address (an IPv6 /64) and per user name before 429.
	LoginFailuresPerAddr   int           `toml:"login_failures_per_addr" env:"LOGIN_FAILURES_PER_ADDR"`
	LoginFailureAddrRefill time.Duration `toml:"login_failure_addr_refill" env:"LOGIN_FAILURE_ADDR_REFILL"`
	LoginFailuresPerUser   int           `toml:"login_failures_per_user" env:"LOGIN_FAILURES_PER_USER"`
	LoginFailureUserRefill time.Duration `toml:"login_failure_user_refill" env:"LOGIN_FAILURE_USER_REFILL"`
	// LoginCacheTTL is how long a successful password check is
	// remembered, so that clients sending Basic credentials on every
	// request pay bcrypt once; 0 turns the cache off.
	LoginCacheTTL time.Duration `toml:"login_cache_ttl" env:"LOGIN_CACHE_TTL"`
	// PasswordChecks bounds the bcrypt comparisons running at once (0:
	// one less than the cores, at least 1), PasswordQueue how many more
	// may wait (beyond: 429).
	PasswordChecks int `toml:"password_checks" env:"PASSWORD_CHECKS"`
	PasswordQueue  int `toml:"password_queue" env:"PASSWORD_QUEUE"`
	// RegistrationsPerAddr and RegistrationsPerKey bound `ssh register`
	// per source address and per SSH key, RegistrationMailsPerEmail the
	// mails it sends one address; all refill one each RegistrationRefill.
	RegistrationsPerAddr      int           `toml:"registrations_per_addr" env:"REGISTRATIONS_PER_ADDR"`
	RegistrationsPerKey       int           `toml:"registrations_per_key" env:"REGISTRATIONS_PER_KEY"`
	RegistrationMailsPerEmail int           `toml:"registration_mails_per_email" env:"REGISTRATION_MAILS_PER_EMAIL"`
	RegistrationRefill        time.Duration `toml:"registration_refill" env:"REGISTRATION_REFILL"`
}

// Limits are the service's limits this configuration asks for.
func (a AuthConfig) Limits() service.Limits {
	return service.Limits{
		LoginFailuresPerAddr:      service.Rate{Burst: a.LoginFailuresPerAddr, Every: a.LoginFailureAddrRefill},
		LoginFailuresPerUser:      service.Rate{Burst: a.LoginFailuresPerUser, Every: a.LoginFailureUserRefill},
		LoginCacheTTL:             a.LoginCacheTTL,
		PasswordChecks:            a.PasswordChecks,
		PasswordQueue:             a.PasswordQueue,
		RegistrationsPerAddr:      service.Rate{Burst: a.RegistrationsPerAddr, Every: a.RegistrationRefill},
		RegistrationsPerKey:       service.Rate{Burst: a.RegistrationsPerKey, Every: a.RegistrationRefill},
		RegistrationMailsPerEmail: service.Rate{Burst: a.RegistrationMailsPerEmail, Every: a.RegistrationRefill},
	}
}

// defaultAuth is service.DefaultLimits in the configuration's terms.
func defaultAuth() AuthConfig {
	l := service.DefaultLimits()
	return AuthConfig{
		LoginFailuresPerAddr:      l.LoginFailuresPerAddr.Burst,
		LoginFailureAddrRefill:    l.LoginFailuresPerAddr.Every,
		LoginFailuresPerUser:      l.LoginFailuresPerUser.Burst,
		LoginFailureUserRefill:    l.LoginFailuresPerUser.Every,
		LoginCacheTTL:             l.LoginCacheTTL,
		PasswordChecks:            l.PasswordChecks,
		PasswordQueue:             l.PasswordQueue,
		RegistrationsPerAddr:      l.RegistrationsPerAddr.Burst,
		RegistrationsPerKey:       l.RegistrationsPerKey.Burst,
		RegistrationMailsPerEmail: l.RegistrationMailsPerEmail.Burst,
		RegistrationRefill:        l.RegistrationsPerKey.Every,
	}
}

// SMTPConfig is the outgoing mail server used by cron (notifications) and
// registration.
type SMTPConfig struct {
	Host     string `toml:"host" env:"HOST"`
	Port     int    `toml:"port" env:"PORT"`
	TLS      string `toml:"tls" env:"TLS"` // none, starttls or tls
	Username string `toml:"username" env:"USERNAME"`
	Password string `toml:"password" env:"PASSWORD"`
	// DefaultFromEmail sends confirmations (upstream DEFAULT_FROM_EMAIL).
	DefaultFromEmail string `toml:"default_from_email" env:"DEFAULT_FROM_EMAIL"`
	// NotificationFromEmail sends state-change notifications (upstream
	// NOTIFICATION_FROM_EMAIL); "" uses DefaultFromEmail.
	NotificationFromEmail string `toml:"notification_from_email" env:"NOTIFICATION_FROM_EMAIL"`
	// RepliesPerHour caps the mails one user sends from patchwork (replies,
	// trailers, thanks) in an hour; -1 lifts the cap.
	RepliesPerHour int `toml:"replies_per_hour" env:"REPLIES_PER_HOUR"`
}

// DefaultConfig is the configuration used when nothing else is given: a
// SQLite file in the working directory, SSH on :2222 and HTTP on :8000.
func DefaultConfig() Config {
	return Config{
		DB:  "sqlite:patchwork.db",
		Log: LogConfig{Level: "info", Format: "text"},
		SSH: SSHConfig{
			Addr:                        ":2222",
			HostKeyPath:                 "host_key_ed25519",
			AllowAnonymous:              true,
			IdleTimeout:                 30 * time.Minute,
			AnonymousIdleTimeout:        5 * time.Minute,
			MaxSessions:                 200,
			MaxSessionsPerUser:          10,
			MaxAnonymousSessions:        50,
			MaxAnonymousSessionsPerAddr: 4,
			MaxConnectionsPerAddr:       32,
			MaxChannelsPerConnection:    10,
			DBConnections:               4,
		},
		HTTP: HTTPConfig{
			Addr:         ":8000",
			XMLRPC:       true,
			ReadTimeout:  30 * time.Second,
			WriteTimeout: 120 * time.Second,
			IdleTimeout:  120 * time.Second,
			MaxBodyBytes: 10 << 20,
			Expensive:    ExpensiveConfig{Slots: 2, Wait: time.Second, Timeout: 5 * time.Second},
		},
		SMTP: SMTPConfig{
			Host:             "localhost",
			Port:             25,
			TLS:              "none",
			DefaultFromEmail: "patchwork@localhost",
			RepliesPerHour:   service.DefaultRepliesPerHour,
		},
		Auth:                     defaultAuth(),
		NotificationDelayMinutes: 10,
		ConfirmationValidityDays: 7,
		ShutdownTimeout:          15 * time.Second,
		MaxMailBytes:             25 << 20,
		HeldGraceMinutes:         10,
		HeldRetentionDays:        14,
		MaxBundlePatches:         store.DefaultMaxBundlePatches,
		LMTPMaxBytes:             64 << 20,
	}
}

// NotificationFrom is the sender of notification mail.
func (c *Config) NotificationFrom() string {
	if c.SMTP.NotificationFromEmail != "" {
		return c.SMTP.NotificationFromEmail
	}
	return c.SMTP.DefaultFromEmail
}

// PublicURL is BaseURL, or http://HOST:PORT derived from the HTTP address
// (localhost when it listens on every interface).
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return trimSlash(c.BaseURL)
	}
	host, port := splitAddr(c.HTTP.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if port == "80" || port == "" {
		return "http://" + host
	}
	return "http://" + net.JoinHostPort(host, port)
}

// splitAddr splits "host:port"; a bad address gives ("", addr) and is
// reported by Validate.
func splitAddr(addr string) (host, port string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", addr
	}
	return h, p
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
