package http

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// BenchmarkAnonymousUnderLoginFlood: the time of an anonymous REST page
// while 20 clients send Basic logins that each cost bcrypt (the cache and
// the failure limits off, so that every one reaches bcrypt), with bcrypt
// bounded to one less than the cores (the default) and unbounded (as
// before), and with no flood. ns/op is one anonymous page.
func BenchmarkAnonymousUnderLoginFlood(b *testing.B) {
	for _, bc := range []struct {
		name    string
		checks  int
		clients int
	}{{"no-flood", 0, 0}, {"bounded", 0, 20}, {"unbounded", 1 << 10, 20}} {
		b.Run(bc.name, func(b *testing.B) {
			s := sqltest.SQLite(b)
			ctx := context.Background()
			svc := service.New(s, service.Options{Limits: &service.Limits{PasswordChecks: bc.checks}})
			if _, _, err := svc.CreateUser(ctx, service.LocalAdmin(), service.NewUser{Username: "alice", Email: "alice@example.org", Password: "correct horse"}); err != nil {
				b.Fatal(err)
			}
			_, base, _ := start(b, Options{Store: s, Service: svc}, nil)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range bc.clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/users/", nil)
						req.Header.Set("Authorization", basic("alice", "correct horse"))
						if resp, err := http.DefaultClient.Do(req); err == nil {
							resp.Body.Close()
						}
					}
				}()
			}
			time.Sleep(500 * time.Millisecond) // the flood under way
			b.ResetTimer()
			for b.Loop() {
				resp, err := http.Get(base + "/api/projects/")
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
		})
	}
}
