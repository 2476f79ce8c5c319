package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// listening reads a serve log until the "patchworkd serving" line and
// returns its http and ssh addresses; it keeps draining the log after that
// (into the returned function's result) so that the server never blocks
// on a full pipe.
func listening(t testing.TB, r io.Reader) (httpAddr, sshAddr string, rest func() string) {
	t.Helper()
	type addrs struct{ http, ssh string }
	found := make(chan addrs, 1)
	var mu sync.Mutex
	var log strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			log.WriteString(line + "\n")
			mu.Unlock()
			if !sent && strings.Contains(line, `msg="patchworkd serving"`) {
				found <- addrs{logField(line, "http"), logField(line, "ssh")}
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	rest = func() string {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	select {
	case a, ok := <-found:
		if !ok {
			t.Fatalf("serve ended before it listened:\n%s", rest())
		}
		return a.http, a.ssh, rest
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not say where it listens within 60 s")
	}
	return "", "", nil
}

// serveInProcess runs serve in this process on db, listening on free
// loopback ports, with the extra environment, until the test ends or stop
// is called; stop fails the test unless serve exits 0 within 30 s.
func serveInProcess(t testing.TB, db string, extra map[string]string) (httpAddr, sshAddr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pwr := io.Pipe()
	env := map[string]string{
		"PATCHWORK_DB":                db,
		"PATCHWORK_HTTP_ADDR":         "127.0.0.1:0",
		"PATCHWORK_SSH_ADDR":          "127.0.0.1:0",
		"PATCHWORK_SSH_HOST_KEY_PATH": filepath.Join(t.TempDir(), "host_key"),
	}
	for k, v := range extra {
		env[k] = v
	}
	codec := make(chan int, 1)
	go func() {
		codec <- runWith(ctx, []string{"serve"}, env, strings.NewReader(""), io.Discard, pwr)
		pwr.Close()
	}()
	httpAddr, sshAddr, log := listening(t, pr)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-codec:
			if code != 0 {
				t.Errorf("serve exit %d:\n%s", code, log())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s of cancellation")
		}
	}
	t.Cleanup(stop)
	return httpAddr, sshAddr, stop
}

// logField returns key's value in a slog text line.
func logField(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// sshRun runs one command over SSH with a fresh key and returns its output.
func sshRun(t *testing.T, addr, command string) (string, error) {
	t.Helper()
	client, err := sshDial(t, addr)
	if err != nil {
		return "", err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(command)
	return string(out), err
}

// sshTUI opens a terminal session (the review TUI) and reads its screen
// until want appears.
func sshTUI(t *testing.T, addr, want string) error {
	t.Helper()
	client, err := sshDial(t, addr)
	if err != nil {
		return err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		return err
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		return err
	}
	if err := sess.Shell(); err != nil {
		return err
	}
	seen := make(chan error, 1)
	go func() {
		var screen []byte
		buf := make([]byte, 4096)
		for {
			n, err := out.Read(buf)
			screen = append(screen, buf[:n]...)
			if strings.Contains(string(screen), want) {
				seen <- nil
				return
			}
			if err != nil {
				seen <- fmt.Errorf("TUI output ended without %q: %w\n%q", want, err, screen)
				return
			}
		}
	}()
	select {
	case err := <-seen:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("TUI did not show %q within 30 s", want)
	}
}

func sshDial(t *testing.T, addr string) (*gossh.Client, error) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "tester",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // a server this test started
		Timeout:         30 * time.Second,
	})
}

// TestServe runs `patchworkd serve` as a real process on a new SQLite file,
// talks to every front end, and stops it with SIGTERM.
func TestServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "pw.db")
	hostKey := filepath.Join(dir, "keys", "host_ed25519")
	cmd := daemon(t, dir, []string{
		"PATCHWORK_DB=" + db,
		"PATCHWORK_HTTP_ADDR=127.0.0.1:0",
		"PATCHWORK_SSH_ADDR=127.0.0.1:0",
		"PATCHWORK_SSH_HOST_KEY_PATH=" + hostKey,
	}, "serve")
	// Not StderrPipe: Wait closes that pipe, possibly before the last lines
	// are read. Wait returns once everything went into this one.
	stderr, stderrW := io.Pipe()
	cmd.Stderr = stderrW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			stderrW.Close()
		}
	})
	httpAddr, sshAddr, log := listening(t, stderr)
	if httpAddr == "" || sshAddr == "" {
		t.Fatalf("serve log names no addresses")
	}
	base := "http://" + httpAddr

	// serve migrated the new database: admin commands work on it now.
	mustPW(t, db, nil, "", "project", "add", "--linkname", "demo", "--name", "Demo", "--listid", "demo.example.com", "--listemail", "demo@example.com")

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body := get(t, base+"/api/")
	var index map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &index) != nil || index["projects"] == nil {
		t.Errorf("/api/: %d %s", code, body)
	}
	code, body = get(t, base+"/api/projects/")
	var projects []struct {
		LinkName string `json:"link_name"`
		URL      string `json:"url"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &projects) != nil || len(projects) != 1 ||
		projects[0].LinkName != "demo" || !strings.HasPrefix(projects[0].URL, base+"/api/") {
		t.Errorf("/api/projects/: %d %s", code, body)
	}
	code, body = get(t, base+"/xmlrpc/")
	if code != 200 || !strings.Contains(body, "patch_list") {
		t.Errorf("GET /xmlrpc/ does not list the methods: %d %.300s", code, body)
	}
	if code, body = get(t, base+"/"); code != 200 || !strings.Contains(body, "demo") {
		t.Errorf("web /: %d %.300s", code, body)
	}

	out, err := sshRun(t, sshAddr, "projects")
	if err != nil || !strings.Contains(out, "demo") {
		t.Errorf("ssh projects: %v\n%s", err, out)
	}
	// The server's one project opens at once.
	if err := sshTUI(t, sshAddr, "is:action-required"); err != nil {
		t.Errorf("ssh with a terminal: %v", err)
	}
	if _, err := os.Stat(hostKey); err != nil {
		t.Errorf("host key not kept: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	exited = true
	stderrW.Close()
	logs := log()
	if werr != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", werr, logs)
	}
	for _, want := range []string{"shutting down", "stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("serve log lacks %q:\n%s", want, logs)
		}
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("HTTP still answers after serve exited")
	}
}

// TestServeEachDialect runs serve in-process on every configured database,
// with XML-RPC switched off, and stops it by cancelling its context (what
// SIGTERM does through signal.NotifyContext).
func TestServeEachDialect(t *testing.T) {
	t.Parallel()
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			metricsAddr := freeLoopbackAddr(t)
			httpAddr, sshAddr, stop := serveInProcess(t, sqltest.URL(t, d), map[string]string{"PATCHWORK_HTTP_XMLRPC": "false", "PATCHWORK_METRICS_ADDR": metricsAddr,
				"PATCHWORK_AUTH_LOGIN_FAILURES_PER_ADDR": "1"})
			base := "http://" + httpAddr
			if code, body := get(t, base+"/healthz"); code != 200 {
				t.Errorf("/healthz: %d %q", code, body)
			}
			pool := `go_sql_wait_count_total{db_name="patchwork"}`
			if d == "sqlite" {
				pool = `go_sql_wait_count_total{db_name="patchwork-write"}`
			}
			if code, body := get(t, "http://"+metricsAddr+"/metrics"); code != 200 || !strings.Contains(body, pool) {
				t.Errorf("/metrics on metrics_addr: %d, no %s", code, pool)
			}
			// The [auth] limits reach the service: one failed login from
			// an address, then 429, counted in the metrics.
			for i, want := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
				req, _ := http.NewRequest("GET", base+"/api/users/", nil)
				req.SetBasicAuth("nobody", "wrong")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("failed login %d: %d, want %d", i+1, resp.StatusCode, want)
				}
			}
			if _, body := get(t, "http://"+metricsAddr+"/metrics"); !strings.Contains(body, "patchwork_logins_limited_total 1") ||
				!strings.Contains(body, "patchwork_password_checks_total 1") {
				t.Errorf("/metrics lacks the login counters")
			}
			if code, _ := get(t, base+"/metrics"); code == 200 {
				t.Errorf("/metrics served on the public HTTP port")
			}
			if code, _ := get(t, base+"/xmlrpc/"); code != http.StatusNotFound {
				t.Errorf("/xmlrpc/ with xmlrpc=false: %d, want 404", code)
			}
			if code, body := get(t, base+"/api/projects/"); code != 200 || body != "[]" {
				t.Errorf("/api/projects/: %d %s", code, body)
			}
			if out, err := sshRun(t, sshAddr, "projects --json"); err != nil || strings.TrimSpace(out) != "[]" {
				t.Errorf("ssh projects --json: %v %q", err, out)
			}
			// The SSH front end reads through a pool of its own.
			_, body := get(t, "http://"+metricsAddr+"/metrics")
			for _, want := range []string{`go_sql_max_open_connections{db_name="patchwork-ssh"} 4`, `go_sql_open_connections{db_name="patchwork-ssh"} 1`} {
				if !strings.Contains(body, want) {
					t.Errorf("/metrics after an SSH command: no %s", want)
				}
			}
			stop()
		})
	}
}

func TestServeBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	busy := mustListen(t)
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"http port taken": {map[string]string{"PATCHWORK_HTTP_ADDR": busy, "PATCHWORK_SSH_ADDR": "127.0.0.1:0"}, "http listen"},
		"ssh port taken":  {map[string]string{"PATCHWORK_HTTP_ADDR": "127.0.0.1:0", "PATCHWORK_SSH_ADDR": busy}, "ssh listen"},
		"unknown scheme":  {map[string]string{"PATCHWORK_DB": "oracle://x"}, "unknown database URL scheme"},
		"no sqlite dir":   {map[string]string{"PATCHWORK_DB": "sqlite:" + filepath.Join(dir, "missing", "pw.db")}, "missing of the SQLite file does not exist"},
		"unreachable db":  {map[string]string{"PATCHWORK_DB": "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, "database"},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"PATCHWORK_SSH_HOST_KEY_PATH": filepath.Join(dir, name, "key")}
			for k, v := range tc.env {
				env[k] = v
			}
			db := env["PATCHWORK_DB"]
			if db == "" {
				db = "sqlite:" + filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".db")
			}
			r := pw(t, db, env, "", "serve")
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if r.code == 0 || !strings.HasPrefix(last, "patchworkd: ") || !strings.Contains(last, tc.want) {
				t.Fatalf("exit %d, last stderr line %q; want non-zero and one line naming %q", r.code, last, tc.want)
			}
		})
	}
}

// mustListen returns the address of a port held open until the test ends.
func mustListen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// freeLoopbackAddr is a loopback address whose port was free just now (for
// settings that serve does not report back, such as metrics_addr).
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
