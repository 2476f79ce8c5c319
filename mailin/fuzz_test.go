package mailin

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchwork-go/patchwork/mailin/corpustest"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// FuzzIngest feeds arbitrary mail to the parser and a real SQLite store:
// whatever the bytes, the outcome is a result (stored, dropped, duplicate
// or rejected), never a panic or a store error.
func FuzzIngest(f *testing.F) {
	dir := corpustest.Path(f, "upstream-tests")
	for _, sub := range []string{"mail", "fuzz"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			if raw, err := os.ReadFile(filepath.Join(dir, sub, e.Name())); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Add([]byte("From: a@b.example\nSubject: [PATCH 1/1] x\nMessage-Id: <m@x>\n\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"))
	s := sqltest.SQLite(f)
	newProject(f, s, testLinkName, testListID)
	ing := NewIngester(s, nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := ing.Ingest(context.Background(), raw, testListID)
		if err != nil {
			t.Fatalf("store error on fuzzed mail: %v", err)
		}
		if res.Kind < Dropped || res.Kind > Held {
			t.Fatalf("unknown result %v", res.Kind)
		}
	})
}
