package ssh

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// BenchmarkSSHList measures `ssh host list PROJECT` served to many clients
// at once, in sessions per second, against one server on SQLite with a
// 10,000-patch project (each list prints its default first page).
//
//	new-conn:    every session is a new connection (key exchange, public-key
//	             auth, user look-up), as `ssh host list` from a shell is.
//	reused-conn: sessions on connections kept open (ControlMaster-style),
//	             which isolates the command's own cost.
//
// 16 clients per CPU run in parallel; the server has the real limits off.
func BenchmarkSSHList(b *testing.B) {
	st := sqltest.SQLite(b)
	ctx := context.Background()
	if _, err := st.Seed(ctx, sqlstore.SeedOptions{LinkName: "bench", Patches: 10000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	_, key := addUser(b, st, "bencher", false)
	srv := startServer(b, st, nil)
	cfg := &gossh.ClientConfig{
		User:            "bench",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // loopback benchmark
		Timeout:         30 * time.Second,
	}
	addr := srv.Addr().String()
	const cmd = "list bench"
	// One run outside the timer: the output must be a real list.
	c, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		b.Fatal(err)
	}
	out, err := listOnce(c, cmd)
	_ = c.Close()
	if err != nil {
		b.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n < 50 {
		b.Fatalf("list printed %d lines:\n%s", n, out)
	}

	b.Run("new-conn", func(b *testing.B) {
		b.SetParallelism(16)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c, err := gossh.Dial("tcp", addr, cfg)
				if err != nil {
					b.Error(err)
					return
				}
				_, err = listOnce(c, cmd)
				_ = c.Close()
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
	})

	b.Run("reused-conn", func(b *testing.B) {
		b.SetParallelism(16)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			c, err := gossh.Dial("tcp", addr, cfg)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			for pb.Next() {
				if _, err := listOnce(c, cmd); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
	})
}

// listOnce runs cmd in a new session on c and returns its output.
func listOnce(c *gossh.Client, cmd string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", fmt.Errorf("new session: %w", err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	if err := sess.Run(cmd); err != nil {
		return "", fmt.Errorf("%s: %w (stderr %q)", cmd, err, errb.String())
	}
	return out.String(), nil
}
