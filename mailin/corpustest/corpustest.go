// Package corpustest finds the shared test corpus (upstream's test mails
// and libuv-2000.mbox) for tests in any package: PATCHWORK_CORPUS when set,
// else a shared/corpus directory beside the repository or beside any of its
// parents, else /work/shared/corpus. A test that needs it and cannot find it
// skips, or fails when CI is set, so a CI run cannot pass without it.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory.
func Dir(t testing.TB) string {
	t.Helper()
	if d := find(); d != "" {
		return d
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CORPUS MISSING: set PATCHWORK_CORPUS to the shared corpus directory")
	}
	t.Skip("CORPUS MISSING: set PATCHWORK_CORPUS to the shared corpus directory to run this test")
	return ""
}

// Path returns the path of a file or directory inside the corpus.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}

func find() string {
	if d := os.Getenv("PATCHWORK_CORPUS"); d != "" {
		if isDir(d) {
			return d
		}
		return ""
	}
	wd, err := os.Getwd()
	if err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if c := filepath.Join(d, "shared", "corpus"); isDir(c) {
				return c
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if isDir("/work/shared/corpus") {
		return "/work/shared/corpus"
	}
	return ""
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
