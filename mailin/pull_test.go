package mailin

import "testing"

func TestFindPullURLPrefilter(t *testing.T) {
	body := "Hi,\n\nThe following changes since commit 0123456789abcdef:\n\n  foo (2024-01-01)\n\n" +
		"are available in the git repository at:\n\n  git://git.example.org/repo.git for-linus\n\nfor you\n"
	for _, tc := range []struct {
		name, text, want string
	}{
		{"request-pull", body, "git://git.example.org/repo.git for-linus"},
		{"other case", "THE FOLLOWING CHANGES SINCE COMMIT x:\nare available in the git repository at:\n  https://example.org/r.git main\n", "https://example.org/r.git main"},
		{"non-ASCII folds like the pattern", "The following changeſ ſince commit x:\nare available in the git repository at:\n  https://example.org/r.git b\n", "https://example.org/r.git b"},
		{"no request", "Just a patch.\n", ""},
		{"words only", "the following changes since commit", ""},
		{"empty", "", ""},
	} {
		if got := findPullURL(tc.text); got != tc.want {
			t.Errorf("%s: findPullURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}
