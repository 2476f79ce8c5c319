package ssh

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// The benchmarks drive TUI sessions from a child process (this test binary
// re-run with PW_BENCH_CLIENT set), so that the server's heap, measured in
// the parent, holds no client state.

// ptyClient is one TUI session seen from the client side.
type ptyClient struct {
	conn  *gossh.Client
	sess  *gossh.Session
	stdin io.WriteCloser

	mu   sync.Mutex
	out  bytes.Buffer
	seen chan struct{} // signalled on every read
	errb syncBuffer    // the session's stderr
}

// openPTY dials, requests a PTY and starts the TUI (shell request).
func openPTY(addr string, signer gossh.Signer, w, h int, cmd string) (*ptyClient, error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "bench",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // loopback benchmark
		Timeout:         30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	pc := &ptyClient{conn: c, sess: sess, seen: make(chan struct{}, 1)}
	if pc.stdin, err = sess.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	sess.Stderr = &pc.errb
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		return nil, err
	}
	if cmd == "" {
		err = sess.Shell()
	} else {
		err = sess.Start(cmd)
	}
	if err != nil {
		return nil, err
	}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				pc.mu.Lock()
				pc.out.Write(buf[:n])
				pc.mu.Unlock()
				select {
				case pc.seen <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return pc, nil
}

// close ends the session and its connection.
func (pc *ptyClient) close() {
	_ = pc.sess.Close()
	_ = pc.conn.Close()
}

// contains reports whether the text received so far, escape sequences
// removed, holds s.
func (pc *ptyClient) contains(s string) bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return strings.Contains(ansi.Strip(pc.out.String()), s)
}

// output is everything read so far.
func (pc *ptyClient) output() string {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.out.String()
}

// stderr is what the session wrote to its stderr so far.
func (pc *ptyClient) stderr() string { return pc.errb.String() }

// size is how many bytes were read so far.
func (pc *ptyClient) size() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.out.Len()
}

// waitText polls the output until it holds s.
func (pc *ptyClient) waitText(s string, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !pc.contains(s) {
		select {
		case <-pc.seen:
		case <-deadline.C:
			return fmt.Errorf("timed out waiting for %q", s)
		}
	}
	return nil
}

// press sends keys and returns how long until the next output arrives.
func (pc *ptyClient) press(keys string, timeout time.Duration) (time.Duration, error) {
	before := pc.size()
	select { // drop a stale signal
	case <-pc.seen:
	default:
	}
	start := time.Now()
	if _, err := pc.stdin.Write([]byte(keys)); err != nil {
		return 0, err
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for pc.size() == before {
		select {
		case <-pc.seen:
		case <-deadline.C:
			return 0, fmt.Errorf("no frame within %v after %q", timeout, keys)
		}
	}
	return time.Since(start), nil
}

// benchClientReport is what the child prints after each phase.
type benchClientReport struct {
	Opened    int       `json:"opened"`
	LatencyMS []float64 `json:"latency_ms"`
	Missed    int       `json:"missed"`
	Err       string    `json:"err,omitempty"`
}

// TestBenchClient is the child process of the benchmarks; it does nothing
// in a normal test run. Protocol: env PW_BENCH_CLIENT=addr, PW_BENCH_KEY
// (PEM), PW_BENCH_SESSIONS, PW_BENCH_WAIT (text of the first frame),
// optionally PW_BENCH_OPEN (keys typed then) and PW_BENCH_OPENED (text to
// wait for after them). Once every session is there it prints a JSON
// report (opened) and reads commands from stdin: "scroll S" makes each
// session press j once a second (staggered over the second) for S seconds
// and prints a report with the latencies; EOF ends it.
func TestBenchClient(t *testing.T) {
	addr := os.Getenv("PW_BENCH_CLIENT")
	if addr == "" {
		t.Skip("benchmark child process only")
	}
	report := func(rep benchClientReport) {
		b, _ := json.Marshal(rep)
		fmt.Println(string(b))
	}
	signer, err := gossh.ParsePrivateKey([]byte(os.Getenv("PW_BENCH_KEY")))
	if err != nil {
		report(benchClientReport{Err: err.Error()})
		return
	}
	n, _ := strconv.Atoi(os.Getenv("PW_BENCH_SESSIONS"))
	clients := make([]*ptyClient, n)
	// Open in a few parallel lanes: one at a time takes minutes for
	// hundreds of sessions, all at once measures a thundering herd.
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for lane := 0; lane < 8; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lane; i < n; i += 8 {
				pc, err := openBenchSession(addr, signer)
				if err != nil {
					errs <- fmt.Errorf("session %d: %w", i, err)
					return
				}
				clients[i] = pc
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		report(benchClientReport{Err: err.Error()})
		return
	}
	report(benchClientReport{Opened: n})
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var secs int
		if _, err := fmt.Sscanf(in.Text(), "scroll %d", &secs); err != nil {
			report(benchClientReport{Err: "bad command " + strconv.Quote(in.Text())})
			continue
		}
		report(scrollAll(clients, secs))
	}
	for _, pc := range clients {
		pc.close()
	}
}

// openBenchSession opens one TUI session and brings it to the screen the
// benchmark scrolls.
func openBenchSession(addr string, signer gossh.Signer) (*ptyClient, error) {
	pc, err := openPTY(addr, signer, 100, 30, "")
	if err != nil {
		return nil, err
	}
	if err := pc.waitText(os.Getenv("PW_BENCH_WAIT"), 60*time.Second); err != nil {
		return nil, err
	}
	if keys := os.Getenv("PW_BENCH_OPEN"); keys != "" {
		if _, err := pc.stdin.Write([]byte(keys)); err != nil {
			return nil, err
		}
		if err := pc.waitText(os.Getenv("PW_BENCH_OPENED"), 60*time.Second); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// scrollAll makes every session press j once a second for secs seconds.
func scrollAll(clients []*ptyClient, secs int) benchClientReport {
	rep := benchClientReport{Opened: len(clients)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, pc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Stagger the sessions over the second, as real users are.
			time.Sleep(time.Duration(i) * time.Second / time.Duration(len(clients)))
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for k := 0; k < secs; k++ {
				d, err := pc.press("j", 5*time.Second)
				mu.Lock()
				if err != nil {
					rep.Missed++
				} else {
					rep.LatencyMS = append(rep.LatencyMS, float64(d.Microseconds())/1000)
				}
				mu.Unlock()
				<-tick.C
			}
		}()
	}
	wg.Wait()
	return rep
}
