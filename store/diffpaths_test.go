package store

import (
	"slices"
	"strings"
	"testing"
)

func TestDiffPaths(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, c := range []struct {
		name string
		diff string
		want []string
	}{
		{"git", "diff --git a/x.sql b/x.sql\nindex 1..2 100644\n--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n",
			[]string{"x.sql"}},
		// The reviewer's case: a removed "-- old comment" and an added
		// "++ new thing" are hunk lines, not a file header.
		{"header-like hunk lines", "diff --git a/x.sql b/x.sql\n--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,2 @@\n--- old comment\n+++ new thing\n context\n",
			[]string{"x.sql"}},
		{"counts default to 1", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n--- y\n+++ z\n",
			[]string{"x"}},
		{"second file after a hunk", "--- a/x\n+++ b/x\n@@ -1,1 +1,0 @@\n--- gone\n--- a/y\n+++ b/y\n@@ -0,0 +1 @@\n+++ added\n",
			[]string{"x", "y"}},
		{"plain unified diff", "--- lib/old.c.orig\t2026-01-01 00:00:00\n+++ lib/old.c\t2026-01-02 00:00:00\n@@ -1 +1 @@\n-a\n+b\n",
			[]string{"lib/old.c.orig", "lib/old.c"}},
		{"rename", "diff --git a/old/x.c b/new/y.c\nsimilarity index 100%\nrename from old/x.c\nrename to new/y.c\n",
			[]string{"old/x.c", "new/y.c"}},
		{"new file", "diff --git a/doc/x.md b/doc/x.md\nnew file mode 100644\n--- /dev/null\n+++ b/doc/x.md\n@@ -0,0 +1 @@\n+x\n",
			[]string{"doc/x.md"}},
		{"deleted file", "diff --git a/doc/x.md b/doc/x.md\ndeleted file mode 100644\n--- a/doc/x.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
			[]string{"doc/x.md"}},
		{"space in name", "diff --git a/my file.c b/my file.c\n--- a/my file.c\t\n+++ b/my file.c\t\n@@ -1 +1 @@\n-a\n+b\n",
			[]string{"my file.c"}},
		{"quoted", "diff --git \"a/t\\303\\251st \\\"q\\\".c\" \"b/t\\303\\251st \\\"q\\\".c\"\n--- \"a/t\\303\\251st \\\"q\\\".c\"\n+++ \"b/t\\303\\251st \\\"q\\\".c\"\n@@ -1 +1 @@\n-a\n+b\n",
			[]string{"tést \"q\".c"}},
		{"binary, names from diff --git", "diff --git a/img.png b/img.png\nindex 1..2 100644\nGIT binary patch\nliteral 1\nIcmZo\n\nliteral 0\nHcmV?d00001\n\n",
			[]string{"img.png"}},
		{"lone --- line is no header", "--- just text\n", nil},
		{"CRLF", "--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n", []string{"x"}},
		{"long path left out", "--- a/" + long + "\n+++ b/" + long + "\n@@ -1 +1 @@\n-a\n+b\n--- a/short\n+++ b/short\n@@ -1 +1 @@\n-a\n+b\n",
			[]string{"short"}},
		{"path at the cap kept", "--- a/" + long[:MaxDiffPathLen] + "\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n",
			[]string{long[:MaxDiffPathLen]}},
		{"long hunk line", "--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+++ " + long + "\n+b\n", []string{"x"}},
	} {
		if got := DiffPaths(c.diff); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
