package rest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// The golden tests pin the exact bytes (Link header and body) of patch
// list pages, so that work on how a list is built cannot change what it
// says. go test -run Golden ./server/rest -update rewrites the files from
// the SQLite store; every dialect must then produce the same bytes.
var update = flag.Bool("update", false, "rewrite the golden files of the patch list tests")

const goldenBase = "http://patchwork.example"

// goldenGet fetches path from h and returns its status, Link header and
// body as one text.
func goldenGet(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("GET %s\nstatus: %d\nlink: %s\n%s\n", path, res.StatusCode, res.Header.Get("Link"), body)
}

// TestPatchListGolden compares whole pages of the fixture's patch lists
// (every version, filters, orders, paging, a relation, a delegate, checks)
// with testdata/patchlist-fixture.golden.
func TestPatchListGolden(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		must(t, s.SetRelated(ctx, []int64{f.p1.ID, f.p3.ID}, f.maint.ID))
		must(t, s.CreateCheck(ctx, &store.Check{PatchID: f.p2.ID, UserID: f.maint.ID, Date: f.date3, State: store.CheckWarning,
			Context: "lint", Description: "style"}))
		h := rest.New(rest.Options{Store: s, BaseURL: goldenBase})
		var b strings.Builder
		for _, path := range []string{
			"/api/patches/?project=test",
			"/api/1.0/patches/?project=test",
			"/api/1.1/patches/?project=test",
			"/api/1.2/patches/?project=test",
			"/api/1.3/patches/?project=test&per_page=100",
			"/api/1.4/patches/?project=test",
			"/api/1.3/patches/",
			"/api/1.3/patches/?project=test&per_page=2",
			"/api/1.3/patches/?project=test&per_page=2&page=2",
			"/api/1.3/patches/?project=test&order=-date",
			"/api/1.3/patches/?project=test&order=name",
			"/api/1.3/patches/?project=test&state=new&state=under-review&archived=false&order=-date&per_page=30",
			"/api/1.3/patches/?project=test&archived=true",
			"/api/1.3/patches/?project=test&delegate=" + itoa(f.maint.ID),
			"/api/1.3/patches/?series=" + itoa(f.series.ID),
			"/api/1.3/patches/" + itoa(f.p1.ID) + "/",
			"/api/1.3/series/?project=test",
			"/api/1.3/bundles/",
		} {
			b.WriteString(goldenGet(t, h, path))
		}
		compareGolden(t, "patchlist-fixture.golden", b.String(), false)
	})
}

// TestPatchListCorpusGolden compares the first pages of the libuv-2000
// corpus, ingested by mailin, with the SHA-256 of the bytes recorded in
// testdata/patchlist-libuv.golden (the pages are too large to keep). On a
// mismatch the pages are written to PATCHWORK_GOLDEN_OUT when set.
func TestPatchListCorpusGolden(t *testing.T) {
	t.Parallel()
	path := corpustest.Path(t, "libuv-2000.mbox")
	var raws [][]byte
	must(t, mailin.ReadArchive(path, func(raw []byte) error {
		raws = append(raws, raw)
		return nil
	}))
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		p := &store.Project{LinkName: "libuv", Name: "libuv", ListID: "test.example.com",
			ListEmail: "libuv@example.com", UseTags: true}
		must(t, s.CreateProject(ctx, p))
		ing := mailin.NewIngester(s, nil)
		for rest := raws; len(rest) > 0; {
			n := min(100, len(rest))
			_, err := ing.IngestRawBatch(ctx, rest[:n], "")
			must(t, err)
			rest = rest[n:]
		}
		h := rest.New(rest.Options{Store: s, BaseURL: goldenBase})
		var b strings.Builder
		for _, path := range []string{
			"/api/1.3/patches/?project=libuv&per_page=100",
			"/api/1.3/patches/?project=libuv",
			"/api/1.0/patches/?project=libuv&per_page=100",
			"/api/1.1/patches/?project=libuv&per_page=100",
			"/api/1.2/patches/?project=libuv&per_page=100",
			"/api/1.4/patches/?project=libuv&per_page=100",
			"/api/1.3/patches/?state=new&state=under-review&archived=false&order=-date&per_page=30&project=libuv",
			"/api/1.3/patches/?project=libuv&page=17",
			"/api/1.3/patches/?project=libuv&per_page=100&order=-name",
		} {
			page := goldenGet(t, h, path)
			sum := sha256.Sum256([]byte(page))
			fmt.Fprintf(&b, "%s %d %s\n", path, len(page), hex.EncodeToString(sum[:]))
			if dir := os.Getenv("PATCHWORK_GOLDEN_OUT"); dir != "" {
				name := strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(path)
				must(t, os.WriteFile(filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+name), []byte(page), 0o644))
			}
		}
		compareGolden(t, "patchlist-libuv.golden", b.String(), true)
	})
}

// compareGolden checks got against testdata/name; -update rewrites it
// from the SQLite run.
func compareGolden(t *testing.T, name, got string, digests bool) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update && strings.HasSuffix(t.Name(), "/sqlite") {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	must(t, err)
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			if !digests {
				g, w = around(g, w)
			}
			t.Errorf("%s line %d differs:\n got %s\nwant %s", name, i+1, g, w)
		}
	}
}

// around cuts two long differing lines to the part around their first
// difference.
func around(g, w string) (string, string) {
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	from := max(0, i-300)
	cut := func(s string) string { return fmt.Sprintf("(byte %d) …%s…", i, s[from:min(len(s), i+300)]) }
	return cut(g), cut(w)
}
