package mailin

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHashVectors(t *testing.T) {
	for _, tc := range []struct{ name, diff, want string }{
		{"empty", "", ""},
		{"nothing emitted", "diff --git a/x b/x\nrename from x\nrename to y\n", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"signature in binary", "GIT binary patch\nliteral 0\n-- \n2.35.1\n", "28bbf89195af1c065a2ebbfbdfaf0ee9dfe8296e"},
		{"mixed binary/text (0026 emitted lines)", "--- /dev/null\n+++ quit.sh\n@@ -0,0 +1,3 @@\n+#/usr/bin/env bash\n+echo \"Wuh wuh\"\n+exit 1\n", "729b1ccd5c3d4e3d7aa012fd7216678d9d79cd3f"},
		{"crlf and surrounding space", "\r\n \x1c--- /dev/null\r\n+++ quit.sh\r\n@@ -0,0 +1,3 @@ section\r\n+#/usr/bin/env bash\r\n+echo \"Wuh wuh\"\r\n+exit 1\r\n\r\n\u00a0", "729b1ccd5c3d4e3d7aa012fd7216678d9d79cd3f"},
	} {
		if got := Hash(tc.diff); got != tc.want {
			t.Errorf("%s: Hash = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHashPatchFiles(t *testing.T) {
	dir := filepath.Join(upstreamDir(t), "patches")
	for file, want := range map[string]string{
		"0001-add-line.patch": "f59149b3310fb8f337b1cfc845c060ed6ef85df8",
		"0002-utf-8.patch":    "10b45755273a7d1cf3f245d7d4013a820bbaa1bc",
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if got := Hash(string(b)); got != want {
			t.Errorf("%s: Hash = %s, want %s", file, got, want)
		}
		// Glued after a comment, the splitter returns exactly the diff.
		diff, ok, text, _ := splitPatch("Some comment\n\n" + string(b))
		if !ok || diff != string(b) {
			t.Errorf("%s: splitter diff differs:\n%q", file, diff)
		}
		if pyStrip(text) != "Some comment" {
			t.Errorf("%s: comment %q", file, text)
		}
	}
}

func TestHashCommitDiffDoubledNewlines(t *testing.T) {
	d := "diff --git a/a b/a\nindex 1..2 100644\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"
	d2 := "diff --git a/a b/a\n\nindex 1..2 100644\n\n--- a/a\n\n+++ b/a\n\n@@ -10 +10 @@ f()\n\n-x\n\n+y\n\n"
	if Hash(d) != Hash(d2) {
		t.Fatal("empty lines and line numbers must not change the hash")
	}
}

func TestCutSignature(t *testing.T) {
	for in, want := range map[string]string{
		"text\n-- \nsig\n":      "text",
		"text\n___\nfooter\n":   "text",
		"text\n-- sig\n":        "text\n-- sig",
		"-- \n":                 "",
		"text\n--\nnot a sig\n": "text\n--\nnot a sig",
		"a\n_ _\nb\n":           "a\n_ _\nb",
		"trailing -- \n":        "trailing --",
		"x\n-- ":                "x\n--",
	} {
		if got := cutSignature(in); got != want {
			t.Errorf("cutSignature(%q) = %q, want %q", in, got, want)
		}
	}
}
