package xmlrpc

import (
	"bytes"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// syncBuffer is a log sink the handler's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A max_count that is no count (-2^63, NaN, ±inf) is a Fault and one log
// line, on every method that takes it; it used to index before the list
// and panic (issue 16.8).
func TestMaxCountOutOfRangeIsFault(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		var logs syncBuffer
		srv := httptest.NewServer(New(Options{Store: s, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
		defer srv.Close()
		call := func(method string, params ...any) (any, string) {
			t.Helper()
			res, err := http.Post(srv.URL+"/xmlrpc/", "text/xml", bytes.NewReader(encodeCall(method, params...)))
			if err != nil {
				t.Fatalf("%s: %v", method, err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			must(t, err)
			v, fault, err := decodeResponse(body)
			if err != nil {
				t.Fatalf("%s: %v (%s)", method, err, body)
			}
			return v, fault
		}
		bad := []struct {
			v    any
			want string
		}{
			{int64(math.MinInt64), "<class 'OverflowError'>:max_count out of range: -9223372036854775808"},
			{math.NaN(), "<class 'ValueError'>:cannot convert float NaN to integer"},
			{math.Inf(-1), "<class 'OverflowError'>:max_count out of range: -inf"},
			{-9.3e18, "<class 'OverflowError'>:max_count out of range: -9.3e+18"},
		}
		for _, b := range bad {
			for _, m := range []struct {
				name   string
				params []any
			}{
				{"project_list", []any{"", b.v}},
				{"person_list", []any{"", b.v}},
				{"state_list", []any{"", b.v}},
				{"patch_list", []any{Struct{{"max_count", b.v}}}},
				{"check_list", []any{Struct{{"max_count", b.v}}}},
			} {
				if _, fault := call(m.name, m.params...); fault != b.want {
					t.Errorf("%s(max_count=%v): fault %q, want %q", m.name, b.v, fault, b.want)
				}
			}
		}
		if n := strings.Count(logs.String(), "xmlrpc call refused"); n != 5*len(bad) {
			t.Errorf("%d refusal log lines, want %d:\n%s", n, 5*len(bad), logs.String())
		}
		// Counts that are counts still work, the largest negative one too.
		if v, fault := call("project_list", "", int64(math.MinInt64+1)); fault != "" || len(v.([]any)) != 2 {
			t.Errorf("project_list(-2^63+1) = %v %q", v, fault)
		}
		if v, fault := call("patch_list", Struct{{"project_id", f.libuv.ID}, {"max_count", -1.5}}); fault != "" || len(v.([]any)) != 1 {
			t.Errorf("patch_list(max_count=-1.5) = %v %q", v, fault)
		}
	})
}
