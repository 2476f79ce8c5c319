package xmlrpc

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// seed fills a project of n synthetic patches.
func seed(t testing.TB, s store.Store, name string, n int) *store.Project {
	t.Helper()
	ss, ok := s.(*sqlstore.Store)
	if !ok {
		t.Fatalf("%T is not a *sqlstore.Store", s)
	}
	res, err := ss.Seed(context.Background(), sqlstore.SeedOptions{LinkName: name, Patches: n, People: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return res.Project
}

// unstreamed is what patch_list answered before answers were streamed:
// every matching row collected, made into dicts, encoded at once.
func unstreamed(t *testing.T, h *Handler, filt Struct) []byte {
	t.Helper()
	ctx := context.Background()
	r := &request{ctx: ctx, h: h, l: newLookups(h.store)}
	f, err := r.parsePatchFilter(filt)
	if err != nil {
		t.Fatal(err)
	}
	var result any = []Struct{}
	if !f.none {
		rows, err := newPatchCursor(h.store, f).all(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if result, err = r.l.patchDicts(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := EncodeResponse(&buf, result); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPatchListStreamed: patch_list answers of several chunks (every
// patch, a project, row tests, the newest N) are streamed, byte for byte
// what the unstreamed encoder gives, on every dialect.
func TestPatchListStreamed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		big := seed(t, s, "big", 2*scanPage+500)
		ts := newTestServer(t, s)
		h := ts.h.(*Handler)
		for _, c := range []struct {
			filt Struct
			n    int // entries in the answer
		}{
			{Struct{}, 2*scanPage + 500 + 6},
			{Struct{{"project_id", big.ID}}, 2*scanPage + 500},
			{Struct{{"project_id", big.ID}, {"max_count", int64(1500)}}, 1500},
			{Struct{{"project_id", big.ID}, {"max_count", int64(-1200)}}, 1200},
			{Struct{{"project_id", f.libuv.ID}}, 5},
			{Struct{{"name__contains", "1"}, {"id__gt", int64(0)}}, -1},
		} {
			body := ts.post(t, creds{}, encodeCall("patch_list", c.filt))
			want := unstreamed(t, h, c.filt)
			if !bytes.Equal(body, want) {
				i := 0
				for i < min(len(body), len(want)) && body[i] == want[i] {
					i++
				}
				t.Fatalf("patch_list(%v): %d bytes, unstreamed %d, first difference at %d: %q vs %q",
					c.filt, len(body), len(want), i, body[i:min(i+80, len(body))], want[i:min(i+80, len(want))])
			}
			if !bytes.HasSuffix(body, []byte("</data></array></value>\n"+responseTail)) {
				t.Fatalf("patch_list(%v): not a whole array: ...%q", c.filt, body[max(0, len(body)-80):])
			}
			if n := bytes.Count(body, []byte("<value><struct>")); c.n >= 0 && n != c.n {
				t.Errorf("patch_list(%v): %d patches, want %d", c.filt, n, c.n)
			} else if n == 0 {
				t.Errorf("patch_list(%v): no patches", c.filt)
			}
		}
		if h.gate.InUse() != 0 {
			t.Errorf("%d gate slots still taken", h.gate.InUse())
		}
	})
}

// TestPatchListGated: an unbounded patch_list, or one with row tests,
// waits for the gate the other front ends share and is refused with a
// fault when no slot frees or a chunk runs past the time limit; a
// bounded indexed one (pwclient list -n 5) never waits.
func TestPatchListGated(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		g := gate.New(gate.Options{Slots: 1, Wait: time.Nanosecond})
		srv := httptest.NewServer(New(Options{Store: s, Logger: slog.New(slog.DiscardHandler), Gate: g}))
		t.Cleanup(srv.Close)
		ts := &testServer{Server: srv}
		release, err := g.Hold(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, filt := range []Struct{{}, {{"project_id", f.libuv.ID}}, {{"name__contains", "uv"}, {"max_count", int64(2)}}, {{"max_count", int64(5000)}}} {
			if got := ts.fault(t, creds{}, "patch_list", filt); !strings.Contains(got, "try again in a few seconds") {
				t.Errorf("patch_list(%v) with the gate full: fault %q", filt, got)
			}
		}
		if got := ts.list(t, "patch_list", Struct{{"project_id", f.libuv.ID}, {"max_count", int64(5)}}); len(got) != 5 {
			t.Errorf("patch_list max_count 5 with the gate full: %d patches", len(got))
		}
		release()
		if got := ts.list(t, "patch_list", Struct{}); len(got) != 6 {
			t.Errorf("patch_list({}): %d patches, want 6", len(got))
		}

		slow := gate.New(gate.Options{Timeout: -1}) // a limit already past
		srv2 := httptest.NewServer(New(Options{Store: s, Gate: slow}))
		t.Cleanup(srv2.Close)
		ts2 := &testServer{Server: srv2}
		if got := ts2.fault(t, creds{}, "patch_list", Struct{}); !strings.Contains(got, "took too long") {
			t.Errorf("patch_list past the time limit: fault %q", got)
		}
		if g.InUse() != 0 || slow.InUse() != 0 {
			t.Errorf("gate slots still taken: %d, %d", g.InUse(), slow.InUse())
		}
	})
}

// TestPatchListMemoryBounded: patch_list({}) on a big project answers
// tens of megabytes while the server's heap grows by a small part of
// that (issue 16 item 6: 147 MB answers grew RSS by 720 MB). The client
// reads the answer as it comes and keeps none of it.
func TestPatchListMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 30,000 patches")
	}
	s := sqltest.SQLite(t)
	seed(t, s, "big", 30_000)
	srv := httptest.NewServer(New(Options{Store: s}))
	t.Cleanup(srv.Close)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	resp, err := srv.Client().Post(srv.URL+"/xmlrpc/", "text/xml", bytes.NewReader(encodeCall("patch_list", Struct{})))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	growth := int64(peak.Load()) - int64(base)
	t.Logf("answer %.1f MB, heap in use grew by %.1f MB at its peak", float64(n)/1e6, float64(growth)/1e6)
	if n < 20e6 {
		t.Fatalf("answer of %d bytes: the seeded project is smaller than meant", n)
	}
	if growth > n/4 {
		t.Errorf("heap grew by %d bytes for an answer of %d: the answer is not streamed", growth, n)
	}
}
