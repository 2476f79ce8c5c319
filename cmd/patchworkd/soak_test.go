package main

// The load figures of issue 9 (`make soak`): one real `patchworkd serve`
// on a big seeded project takes, at the same time, TUI sessions that
// scroll and open patches, mails through parsemail processes, and REST and
// XML-RPC requests, for a fixed time; then the test prints what rates were
// held, how long each kind took, the daemon's memory, and checks that
// every mail sent is stored exactly once. It only runs with
// PATCHWORK_SOAK=1: it takes minutes and wants the machine to itself.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// soakEnvInt reads a positive integer setting.
func soakEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// soakKind collects the outcomes of one kind of operation.
type soakKind struct {
	name   string
	target float64       // operations per second aimed at (0: as they come)
	span   time.Duration // how long they were asked for

	mu      sync.Mutex
	lat     []time.Duration
	errs    int
	samples []string // the first error messages
	missed  int      // scheduled but not started: everything was busy
}

func (k *soakKind) ok(d time.Duration) {
	k.mu.Lock()
	k.lat = append(k.lat, d)
	k.mu.Unlock()
}

func (k *soakKind) fail(format string, args ...any) {
	k.mu.Lock()
	k.errs++
	if len(k.samples) < 3 {
		k.samples = append(k.samples, fmt.Sprintf(format, args...))
	}
	k.mu.Unlock()
}

func (k *soakKind) miss() {
	k.mu.Lock()
	k.missed++
	k.mu.Unlock()
}

// pct is the p-th percentile of the successful latencies.
func (k *soakKind) pct(p float64) time.Duration {
	if len(k.lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), k.lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// soakPace starts fn rate times a second for d, at most inflight at once;
// a start that finds all of them busy is a miss (the rate was not held).
func soakPace(d time.Duration, rate float64, inflight int, k *soakKind, fn func(i int)) *sync.WaitGroup {
	var wg sync.WaitGroup
	if rate <= 0 {
		return &wg
	}
	sem := make(chan struct{}, inflight)
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		interval := time.Duration(float64(time.Second) / rate)
		for i := 0; ; i++ {
			next := start.Add(time.Duration(i) * interval)
			if next.Sub(start) >= d {
				return
			}
			time.Sleep(time.Until(next))
			select {
			case sem <- struct{}{}:
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					fn(i)
				}()
			default:
				k.miss()
			}
		}
	}()
	return &wg
}

// soakTerm is one TUI session seen from the client; its buffer holds only
// what arrived since the last step began.
type soakTerm struct {
	c     *gossh.Client
	sess  *gossh.Session
	stdin io.Writer

	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
}

func (s *soakTerm) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.seen <- struct{}{}:
	default:
	}
	return len(p), nil
}

// step sends keys and waits until the screen shows want ("" = any
// output); it returns how long that took.
func (s *soakTerm) step(keys, want string, timeout time.Duration) (time.Duration, error) {
	s.mu.Lock()
	s.buf.Reset()
	s.mu.Unlock()
	start := time.Now()
	if _, err := io.WriteString(s.stdin, keys); err != nil {
		return 0, fmt.Errorf("type %q: %w", keys, err)
	}
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got := s.buf.Len() > 0 && (want == "" || strings.Contains(ansi.Strip(s.buf.String()), want))
		s.mu.Unlock()
		if got {
			return time.Since(start), nil
		}
		select {
		case <-s.seen:
		case <-deadline:
			return 0, fmt.Errorf("after %q: no %q on the screen within %v", keys, want, timeout)
		}
	}
}

// soakOpenTUI connects, starts the TUI and opens the big project's patch
// list.
func soakOpenTUI(addr string, signer gossh.Signer) (*soakTerm, error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "soak",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // the test's own daemon on loopback
		Timeout:         60 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	sess, err := c.NewSession()
	if err != nil {
		c.Close()
		return nil, err
	}
	term := &soakTerm{c: c, sess: sess, seen: make(chan struct{}, 1)}
	sess.Stdout, sess.Stderr = term, term
	if term.stdin, err = sess.StdinPipe(); err != nil {
		c.Close()
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		c.Close()
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := term.step("", "bench", time.Minute); err != nil {
		c.Close()
		return nil, fmt.Errorf("project list: %w", err)
	}
	// The projects are listed by name: "bench" comes first.
	if _, err := term.step("\r", "query:", time.Minute); err != nil {
		c.Close()
		return nil, fmt.Errorf("patch list: %w", err)
	}
	return term, nil
}

func (s *soakTerm) close() {
	_ = s.sess.Close()
	_ = s.c.Close()
}

// soakMail is one single-patch mail for the soak's own project.
func soakMail(run int64, listID string, i int) []byte {
	return []byte(fmt.Sprintf("From: Soak Tester <soak@example.org>\n"+
		"To: soak@example.com\n"+
		"Subject: [PATCH] soak: change %d\n"+
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\n"+
		"Message-Id: <soak-%d-%d@example.org>\n"+
		"List-Id: Soak <%s>\n"+
		"\n"+
		"Change %d of the soak.\n"+
		"\n"+
		"Signed-off-by: Soak Tester <soak@example.org>\n"+
		"---\n"+
		"diff --git a/soak.txt b/soak.txt\n"+
		"index 1111111..2222222 100644\n"+
		"--- a/soak.txt\n"+
		"+++ b/soak.txt\n"+
		"@@ -1 +1,2 @@\n"+
		" soak\n"+
		"+change %d\n", i, run, i, listID, i, i))
}

// TestSoak is `make soak`; see the file comment. Settings (environment):
// SOAK_SECONDS per part (60), SOAK_SESSIONS (200), SOAK_MAILS per second
// (50), SOAK_REQUESTS per second (500, half REST, half XML-RPC),
// PATCHWORK_SOAK_PATCHES (1,000,000; seeded once and kept by sqltest),
// SOAK_PARTS (the parts run one after another, each for SOAK_SECONDS, on
// one daemon with the sessions connected: idle, the sessions connected
// and doing nothing; tui, mail and http, each kind of load alone; all,
// every kind at once; default "idle,tui,mail,http,all"), SOAK_ACTIONS=0
// (the idle part only: what idle sessions cost), SOAK_SERVE_BIN (another
// build of patchworkd to serve, to compare two builds in one run of the
// load generator).
func TestSoak(t *testing.T) {
	if os.Getenv("PATCHWORK_SOAK") != "1" {
		t.Skip("PATCHWORK_SOAK=1 runs the soak (make soak)")
	}
	secs := soakEnvInt(t, "SOAK_SECONDS", 60)
	nSess := soakEnvInt(t, "SOAK_SESSIONS", 200)
	mailRate := soakEnvInt(t, "SOAK_MAILS", 50)
	reqRate := soakEnvInt(t, "SOAK_REQUESTS", 500)
	nPatches := soakEnvInt(t, "PATCHWORK_SOAK_PATCHES", 1000000)
	parts := soakParts(t)
	dur := time.Duration(secs) * time.Second
	ctx := context.Background()

	dialect := "sqlite"
	if os.Getenv(sqltest.Env["postgres"]) != "" {
		dialect = "postgres"
	}
	seedStart := time.Now()
	st, bench := sqltest.Seeded(t, dialect, nPatches)
	t.Logf("%s database with %d patches ready in %v", dialect, nPatches, time.Since(seedStart).Round(time.Second))
	db := sqltest.SeededURL(t, dialect, nPatches)

	// The mails go to a project of their own: the seeded one must keep
	// exactly its count, or the next run would seed it again.
	run := time.Now().UnixNano()
	proj := &store.Project{LinkName: fmt.Sprintf("zz-soak-%d", run), Name: fmt.Sprintf("zz soak %d", run),
		ListID: fmt.Sprintf("soak-%d.example.org", run), ListEmail: "soak@example.com"}
	if err := st.CreateProject(ctx, proj); err != nil {
		t.Fatalf("soak project: %v", err)
	}
	var minID, maxID int64
	if err := st.DB().QueryRowContext(ctx, fmt.Sprintf("SELECT MIN(id), MAX(id) FROM patches WHERE project_id = %d", bench.ID)).Scan(&minID, &maxID); err != nil {
		t.Fatal(err)
	}

	limit := strconv.Itoa(nSess + 10)
	// Every session comes from this one address with an unregistered key:
	// the per-address and anonymous limits would refuse most of them.
	metricsAddr := freeLoopbackAddr(t)
	serveEnv := []string{"PATCHWORK_SSH_MAX_SESSIONS=" + limit, "PATCHWORK_SSH_MAX_SESSIONS_PER_USER=" + limit,
		"PATCHWORK_SSH_MAX_ANONYMOUS_SESSIONS=0", "PATCHWORK_SSH_MAX_ANONYMOUS_SESSIONS_PER_ADDR=0",
		"PATCHWORK_SSH_MAX_CONNECTIONS_PER_ADDR=0", "PATCHWORK_METRICS_ADDR=" + metricsAddr}
	if l := os.Getenv("SOAK_GOMEMLIMIT"); l != "" {
		// The Go runtime's soft memory limit for the daemon (e.g. 400MiB):
		// garbage is collected sooner as the heap nears it.
		serveEnv = append(serveEnv, "GOMEMLIMIT="+l)
	}
	// The pprof listener also lets the soak collect the daemon's garbage
	// before it reads the heap: the live heap per session, not what the
	// collector had not come to yet. To profile the daemon under load, set
	// SOAK_PPROF_ADDR and: go tool pprof http://ADDR/debug/pprof/profile
	pprofAddr := os.Getenv("SOAK_PPROF_ADDR")
	if pprofAddr == "" {
		pprofAddr = freeLoopbackAddr(t)
	}
	serveEnv = append(serveEnv, "PATCHWORK_PPROF_ADDR="+pprofAddr)
	// parsemail hands its mail to the daemon over the mail socket, as the
	// README advises a busy site to set up; SOAK_MAIL_SOCKET=0 has each
	// process store its mail itself.
	var mailSock string
	if os.Getenv("SOAK_MAIL_SOCKET") != "0" {
		mailSock = filepath.Join(t.TempDir(), "mail.sock")
		serveEnv = append(serveEnv, "PATCHWORK_MAIL_SOCKET="+mailSock)
	}
	t.Logf("mail socket: %q", mailSock)
	bin := os.Args[0]
	if b := os.Getenv("SOAK_SERVE_BIN"); b != "" {
		bin = b
	}
	starting := relStartServeBin(t, bin, db, relHostKey(t), serveEnv...)
	d := starting.wait(t)
	pid := starting.cmd.Process.Pid
	// What the daemon holds before any session: the idle sessions' cost
	// is what they add to it.
	mem0 := soakMemNow(pid, metricsAddr, pprofAddr)

	// TUI sessions, opened 20 at a time before the clock starts.
	signer := relsshKey(t)
	connect := &soakKind{name: "TUI connect+list"}
	terms := make([]*soakTerm, nSess)
	connectStart := time.Now()
	relParallel(nSess, 20, func(i int) {
		start := time.Now()
		term, err := soakOpenTUI(d.ssh, signer)
		if err != nil {
			connect.fail("session %d: %v", i, err)
			return
		}
		connect.ok(time.Since(start))
		terms[i] = term
	})
	defer func() {
		for _, term := range terms {
			if term != nil {
				term.close()
			}
		}
	}()
	connected := 0
	for _, term := range terms {
		if term != nil {
			connected++
		}
	}
	fmt.Printf("\nsoak: %s, %d patches in the read project, %d cores, daemon %s; %d TUI sessions connected in %v\n",
		dialect, nPatches, runtime.NumCPU(), bin, connected, time.Since(connectStart).Round(time.Second))
	fmt.Print(soakTable(connect))

	var sent atomic.Int64
	var tempMu sync.Mutex
	var tempfailed []int
	mailDir := t.TempDir()
	deliver := func(i int) (*exec.ExitError, string, error) {
		cmd := exec.Command(os.Args[0], "parsemail")
		cmd.Dir = mailDir
		cmd.Env = []string{mainEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + mailDir,
			"PATCHWORK_DB=" + db, "PATCHWORK_LOG_LEVEL=warn", "PATCHWORK_MAIL_SOCKET=" + mailSock}
		cmd.Env = append(cmd.Env, coverEnv()...)
		cmd.Stdin = bytes.NewReader(soakMail(run, proj.ListID, i))
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		errors.As(err, &ee)
		return ee, errb.String(), err
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	base := "http://" + d.http
	rng := func(i int) *rand.Rand { return rand.New(rand.NewPCG(uint64(i), uint64(run))) }
	mailIndex := 0 // mails of earlier parts: every mail has its own number

	for _, part := range parts {
		useTUI, useMail, useHTTP := part == "tui" || part == "all", part == "mail" || part == "all", part == "http" || part == "all"
		var kinds []*soakKind
		scroll := &soakKind{name: "TUI scroll", target: float64(nSess)}
		open := &soakKind{name: "TUI open patch", target: float64(nSess)}
		back := &soakKind{name: "TUI back to list", target: float64(nSess)}
		mails := &soakKind{name: "mail (parsemail)", target: float64(mailRate)}
		rest := &soakKind{name: "REST GET", target: float64(reqRate) / 2}
		xmlrpc := &soakKind{name: "XML-RPC", target: float64(reqRate) - float64(reqRate)/2}
		for _, k := range []*soakKind{scroll, open, back, mails, rest, xmlrpc} {
			k.span = dur
		}
		if useTUI {
			kinds = append(kinds, scroll, open, back)
		}
		if useMail {
			kinds = append(kinds, mails)
		}
		if useHTTP {
			kinds = append(kinds, rest, xmlrpc)
		}

		load0, _ := os.ReadFile("/proc/loadavg")
		cpu0 := soakCPUNow(pid)
		db0 := soakDBCPUNow(ctx, st.DB(), dialect)
		pools0 := soakPoolWaits(metricsAddr)
		begin := time.Now()
		end := begin.Add(dur)
		var wg sync.WaitGroup
		for i, term := range terms {
			if term == nil || !useTUI {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Spread the sessions over the second.
				time.Sleep(time.Duration(i) * time.Second / time.Duration(max(nSess, 1)))
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				keys := []string{"j", "\x04"} // one line, half a page
				for n := 0; time.Now().Before(end); n++ {
					if took, err := term.step(keys[n%2], "", 10*time.Second); err != nil {
						scroll.fail("%v", err)
					} else {
						scroll.ok(took)
					}
					if took, err := term.step("\r", "Message-ID", 10*time.Second); err != nil {
						open.fail("%v", err)
					} else {
						open.ok(took)
					}
					if took, err := term.step("q", "query:", 10*time.Second); err != nil {
						back.fail("%v", err)
					} else {
						back.ok(took)
					}
					<-tick.C
				}
			}()
		}

		// Mails refused with 75 (EX_TEMPFAIL) stay with the sender, as an
		// MTA keeps them: they are delivered again after the run and must
		// then be stored like the rest. They still count as errors of the
		// run.
		first := mailIndex
		mailWG := &sync.WaitGroup{}
		if useMail {
			mailIndex += int(dur.Seconds()*float64(mailRate)) + 1
			mailWG = soakPace(dur, float64(mailRate), max(4*mailRate, 8), mails, func(i int) {
				i += first
				sent.Add(1)
				start := time.Now()
				ee, stderr, err := deliver(i)
				if err != nil {
					if ee != nil && ee.ExitCode() == 75 {
						tempMu.Lock()
						tempfailed = append(tempfailed, i)
						tempMu.Unlock()
					}
					mails.fail("mail %d: %v: %s", i, err, relTail(stderr))
					return
				}
				mails.ok(time.Since(start))
			})
		}

		get := func(k *soakKind, req *http.Request, check func([]byte) error) {
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				k.fail("%s: %v", req.URL, err)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			took := time.Since(start)
			switch {
			case err != nil:
				k.fail("%s: %v", req.URL, err)
			case resp.StatusCode != http.StatusOK:
				k.fail("%s: %d %s", req.URL, resp.StatusCode, relTail(string(body)))
			default:
				if err := check(body); err != nil {
					k.fail("%s: %v", req.URL, err)
					return
				}
				k.ok(took)
			}
		}
		restWG, xmlWG := &sync.WaitGroup{}, &sync.WaitGroup{}
		if useHTTP {
			restWG = soakPace(dur, rest.target, 256, rest, func(i int) {
				r := rng(i)
				u := fmt.Sprintf("%s/api/patches/%d/", base, minID+r.Int64N(maxID-minID+1))
				if i%2 == 1 {
					u = fmt.Sprintf("%s/api/patches/?project=bench&per_page=20&page=%d", base, 1+r.IntN(5))
				}
				req, _ := http.NewRequest(http.MethodGet, u, nil)
				get(rest, req, func(b []byte) error {
					if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
						return fmt.Errorf("not JSON: %.80q", b)
					}
					return nil
				})
			})
			xmlWG = soakPace(dur, xmlrpc.target, 256, xmlrpc, func(i int) {
				r := rng(i)
				id := minID + r.Int64N(maxID-minID+1)
				body := fmt.Sprintf(`<?xml version="1.0"?><methodCall><methodName>patch_get</methodName>`+
					`<params><param><value><int>%d</int></value></param></params></methodCall>`, id)
				if i%2 == 1 {
					body = fmt.Sprintf(`<?xml version="1.0"?><methodCall><methodName>patch_list</methodName><params><param><value><struct>`+
						`<member><name>project_id</name><value><int>%d</int></value></member>`+
						`<member><name>id__lt</name><value><int>%d</int></value></member>`+
						`<member><name>max_count</name><value><int>20</int></value></member>`+
						`</struct></value></param></params></methodCall>`, bench.ID, id)
				}
				req, _ := http.NewRequest(http.MethodPost, base+"/xmlrpc/", strings.NewReader(body))
				req.Header.Set("Content-Type", "text/xml")
				get(xmlrpc, req, func(b []byte) error {
					if !bytes.Contains(b, []byte("<methodResponse>")) || bytes.Contains(b, []byte("<fault>")) {
						return fmt.Errorf("not a result: %.200q", b)
					}
					return nil
				})
			})
		}
		if part == "idle" {
			time.Sleep(dur)
		}

		mailWG.Wait()
		restWG.Wait()
		xmlWG.Wait()
		wg.Wait()
		elapsed := time.Since(begin)
		load1, _ := os.ReadFile("/proc/loadavg")
		cpu1 := soakCPUNow(pid)
		dbCPU := soakDBCPUNow(ctx, st.DB(), dialect).since(db0)
		pools1 := soakPoolWaits(metricsAddr)
		mem := soakMemNow(pid, metricsAddr, pprofAddr)

		var b strings.Builder
		what := "idle"
		if useTUI {
			what = "each scrolling, opening a patch and going back once a second"
		}
		fmt.Fprintf(&b, "\nsoak part %q: %v; %d TUI sessions connected, %s", part, elapsed.Round(time.Second), connected, what)
		if useMail {
			fmt.Fprintf(&b, "; %d mails/s asked", mailRate)
		}
		if useHTTP {
			fmt.Fprintf(&b, "; %d requests/s asked", reqRate)
		}
		b.WriteString("\n")
		if len(kinds) > 0 {
			b.WriteString(soakTable(kinds...))
		}
		fmt.Fprintf(&b, "daemon RSS: peak (VmHWM) %d MiB, now %d MiB; heap in use after a GC %d MiB; %d goroutines\n",
			relsshHWM(pid)>>20, mem.rss>>20, mem.heap>>20, mem.goroutines)
		if connected > 0 {
			n := int64(connected)
			fmt.Fprintf(&b, "per connected session (now less before any session): RSS %d KiB, heap %d KiB, %.1f goroutines\n",
				(mem.rss-mem0.rss)/n>>10, (mem.heap-mem0.heap)/n>>10, float64(mem.goroutines-mem0.goroutines)/float64(n))
		}
		fmt.Fprintf(&b, "CPU used (in cores, over the part): %s\n", cpu1.since(cpu0))
		if dialect == "postgres" {
			// The machine is shared: "rest" above holds other people's
			// work too; this is the soak database's own server processes.
			fmt.Fprintf(&b, "database server CPU for the soak's database: %.2f cores\n", dbCPU.Seconds()/elapsed.Seconds())
		}
		if part == "tui" && len(open.lat) > 0 {
			// Only alone: together, the daemon's CPU is HTTP's and mail's too.
			actions := len(scroll.lat) + len(open.lat) + len(back.lat)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(actions) }
			fmt.Fprintf(&b, "CPU per TUI action: daemon %.2f ms, database server %.2f ms (%d actions)\n",
				ms(cpu1.daemon-cpu0.daemon), ms(dbCPU), actions)
		}
		fmt.Fprintf(&b, "database connections, waits for a free one: %s\n", pools1.since(pools0))
		fmt.Fprintf(&b, "load average before: %s      after: %s\n", strings.TrimSpace(string(load0)), strings.TrimSpace(string(load1)))
		fmt.Print(b.String())
		for _, k := range kinds {
			if k.errs > 0 {

				t.Errorf("part %s: %s: %d errors, e.g. %v", part, k.name, k.errs, k.samples)
			}
		}
	}

	// The MTA's second attempt, one mail at a time.
	redelivered := 0
	for _, i := range tempfailed {
		if _, stderr, err := deliver(i); err != nil {
			t.Errorf("mail %d delivered again after the run: %v: %s", i, err, relTail(stderr))
			continue
		}
		redelivered++
	}

	// Every mail that was sent is stored, once.
	var stored, distinct int
	if err := st.DB().QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*), COUNT(DISTINCT msgid) FROM patches WHERE project_id = %d", proj.ID)).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	benchCount, err := st.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{bench.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\nmails: %d sent, %d refused with 75 and %d of them stored when delivered again after the run; %d stored, %d distinct message ids; read project still %d patches\n",
		sent.Load(), len(tempfailed), redelivered, stored, distinct, benchCount)

	if connect.errs > 0 {
		t.Errorf("%s: %d errors, e.g. %v", connect.name, connect.errs, connect.samples)
	}
	if int64(stored) != sent.Load() || distinct != stored {
		t.Errorf("mails: %d sent, %d stored, %d distinct: want every mail stored once", sent.Load(), stored, distinct)
	}
	if benchCount != nPatches {
		t.Errorf("the read project holds %d patches, want %d", benchCount, nPatches)
	}
}

// soakParts reads SOAK_PARTS (and SOAK_ACTIONS=0, the idle part alone).
func soakParts(t *testing.T) []string {
	t.Helper()
	if os.Getenv("SOAK_ACTIONS") == "0" {
		return []string{"idle"}
	}
	v := os.Getenv("SOAK_PARTS")
	if v == "" {
		v = "idle,tui,mail,http,all"
	}
	var parts []string
	for _, p := range strings.Split(v, ",") {
		switch p = strings.TrimSpace(p); p {
		case "idle", "tui", "mail", "http", "all":
			parts = append(parts, p)
		default:
			t.Fatalf("SOAK_PARTS=%q: %q is none of idle, tui, mail, http, all", v, p)
		}
	}
	return parts
}

// soakTable renders the kinds' rates and latencies.
func soakTable(kinds ...*soakKind) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %9s %9s %8s %7s %6s %9s %9s %9s\n", "kind", "asked/s", "held/s", "done", "missed", "errors", "p50", "p99", "max")
	for _, k := range kinds {
		held, asked := "", ""
		if k.target > 0 {
			asked = fmt.Sprintf("%.1f", k.target)
			held = fmt.Sprintf("%.1f", float64(len(k.lat))/k.span.Seconds())
		}
		fmt.Fprintf(&b, "%-18s %9s %9s %8d %7d %6d %9v %9v %9v\n", k.name, asked, held, len(k.lat), k.missed, k.errs,
			k.pct(0.50).Round(100*time.Microsecond), k.pct(0.99).Round(100*time.Microsecond), k.pct(1).Round(100*time.Microsecond))
	}
	return b.String()
}

// soakMem is what the daemon holds at one moment.
type soakMem struct {
	rss, heap  int64
	goroutines int64
}

// soakMemNow reads the daemon's resident size and, after a collection, from
// its /metrics its heap in use and goroutines.
func soakMemNow(pid int, metricsAddr, pprofAddr string) soakMem {
	m := soakMem{rss: soakRSS(pid)}
	// A heap profile with gc=1 runs a collection first.
	if resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1"); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return m
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_memstats_heap_inuse_bytes":
			m.heap = int64(v)
		case "go_goroutines":
			m.goroutines = int64(v)
		}
	}
	return m
}

// soakRSS is the resident size of a process now (VmRSS), in bytes.
func soakRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// soakCPU is CPU time spent so far: by the whole machine, by the daemon, by
// this process (the load generator: SSH clients, HTTP clients) and by its
// waited-for children (the parsemail processes).
type soakCPU struct {
	at                              time.Time
	machine, daemon, self, children time.Duration
}

// clkTck is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clkTck = 100

func soakCPUNow(pid int) soakCPU {
	c := soakCPU{at: time.Now()}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu  user nice system idle iowait irq softirq steal ...
		f := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])
		for i, v := range f[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			c.machine += time.Duration(n) * time.Second / clkTck
		}
	}
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command's closing parenthesis; utime and stime
		// are the 14th and 15th of the whole line.
		rest := string(data)[strings.LastIndexByte(string(data), ')')+2:]
		f := strings.Fields(rest)
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			c.daemon = time.Duration(u+s) * time.Second / clkTck
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
		c.children = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return c
}

// since renders the cores each part used between c0 and c; "rest" is
// mostly the database server.
func (c soakCPU) since(c0 soakCPU) string {
	wall := c.at.Sub(c0.at).Seconds()
	cores := func(d time.Duration) float64 { return d.Seconds() / wall }
	m, d, s, ch := cores(c.machine-c0.machine), cores(c.daemon-c0.daemon), cores(c.self-c0.self), cores(c.children-c0.children)
	return fmt.Sprintf("machine %.2f = daemon %.2f + load generator %.2f + parsemail processes %.2f + rest (database, system) %.2f",
		m, d, s, ch, m-d-s-ch)
}

// soakDBCPU is the CPU time of each PostgreSQL server process (backend)
// connected to the soak's database, by pid.
type soakDBCPU map[int]time.Duration

func soakDBCPUNow(ctx context.Context, db *sql.DB, dialect string) soakDBCPU {
	out := soakDBCPU{}
	if dialect != "postgres" {
		return out
	}
	rows, err := db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out[pid] = soakProcCPU(pid)
		}
	}
	return out
}

// since is the CPU the backends used after c0: all of it for backends
// that started since (those that ended meanwhile are lost; the daemon's
// pools keep theirs).
func (c soakDBCPU) since(c0 soakDBCPU) time.Duration {
	var d time.Duration
	for pid, t := range c {
		d += t - c0[pid]
	}
	return d
}

// soakProcCPU is a process's user and system CPU time so far.
func soakProcCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	rest := string(data)[strings.LastIndexByte(string(data), ')')+2:]
	f := strings.Fields(rest)
	if len(f) <= 12 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / clkTck
}

// soakPools is each connection pool's waits for a free connection and
// seconds waited, by pool name (db_name).
type soakPools map[string][2]float64

// soakPoolWaits reads the daemon's connection pool statistics from its
// /metrics (on metrics_addr): waits for a free connection and the seconds
// waited, per pool (empty when unreadable).
func soakPoolWaits(metricsAddr string) soakPools {
	out := soakPools{}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		name, rest, ok := strings.Cut(line, "{")
		if !ok {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		pool := strings.TrimSuffix(strings.TrimPrefix(labels, `db_name="`), `"`)
		w := out[pool]
		switch name {
		case "go_sql_wait_count_total":
			w[0] = v
		case "go_sql_wait_duration_seconds_total":
			w[1] = v
		default:
			continue
		}
		out[pool] = w
	}
	return out
}

// since renders the waits of each pool between p0 and p.
func (p soakPools) since(p0 soakPools) string {
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.0f waits, %.1f s waited", n, p[n][0]-p0[n][0], p[n][1]-p0[n][1]))
	}
	if len(parts) == 0 {
		return "(no statistics)"
	}
	return strings.Join(parts, "; ")
}
