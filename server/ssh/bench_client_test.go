package ssh

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

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

// contains reports whether the output so far holds s.
func (pc *ptyClient) contains(s string) bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return bytes.Contains(pc.out.Bytes(), []byte(s))
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

// benchClientReport is what the child prints as its last line.
type benchClientReport struct {
	Opened    int       `json:"opened"`
	LatencyMS []float64 `json:"latency_ms"`
	Missed    int       `json:"missed"`
	Err       string    `json:"err,omitempty"`
}

// TestBenchClient is the child process of the benchmarks; it does nothing
// in a normal test run. Protocol: env PW_BENCH_CLIENT=addr, PW_BENCH_KEY
// (PEM), PW_BENCH_SESSIONS, PW_BENCH_WAIT (text of the first frame),
// PW_BENCH_SCROLL (seconds of scrolling, 0: idle). It prints "ready" once
// every session shows its first frame, then scrolls (each session presses
// j once a second, staggered) or idles until stdin closes, and prints a
// JSON report.
func TestBenchClient(t *testing.T) {
	addr := os.Getenv("PW_BENCH_CLIENT")
	if addr == "" {
		t.Skip("benchmark child process only")
	}
	rep := benchClientReport{}
	defer func() {
		b, _ := json.Marshal(rep)
		fmt.Println(string(b))
	}()
	signer, err := gossh.ParsePrivateKey([]byte(os.Getenv("PW_BENCH_KEY")))
	if err != nil {
		rep.Err = err.Error()
		return
	}
	n, _ := strconv.Atoi(os.Getenv("PW_BENCH_SESSIONS"))
	scroll, _ := strconv.Atoi(os.Getenv("PW_BENCH_SCROLL"))
	wait := os.Getenv("PW_BENCH_WAIT")
	clients := make([]*ptyClient, 0, n)
	for i := 0; i < n; i++ {
		pc, err := openPTY(addr, signer, 100, 30, "")
		if err == nil {
			err = pc.waitText(wait, 60*time.Second)
		}
		if err != nil {
			rep.Err = fmt.Sprintf("session %d: %v", i, err)
			return
		}
		clients = append(clients, pc)
	}
	rep.Opened = len(clients)
	fmt.Println("ready")
	if scroll == 0 {
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		return
	}
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
			for k := 0; k < scroll; k++ {
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
}
