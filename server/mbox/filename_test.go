package mbox

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func TestFilename(t *testing.T) {
	tests := map[string]string{
		"[1/6] test,osx: fix flaky kill test":                  "1-6-test-osx-fix-flaky-kill-test",
		"[1/2] test: Add some lorem ipsum":                     "1-2-test-Add-some-lorem-ipsum",
		"win: shrink fd hash table from 2592k to 162k (#4869)": "win-shrink-fd-hash-table-from-2592k-to-162k-4869",
		"Rafał: ça marche":                                     "Rafa-a-marche",
		"Untitled series #5":                                   "Untitled-series-5",
		"":                                                     "",
		"a - b":                                                "a---b",
		"--x__y..z--":                                          "x__y..z",
		"<script>alert(1)</script>":                            "script-alert-1-script",
	}
	for in, want := range tests {
		if got := Filename(in); got != want {
			t.Errorf("Filename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDispositions(t *testing.T) {
	if got := PatchDisposition("[1/2] test: Add some lorem ipsum"); got != "attachment; filename=1-2-test-Add-some-lorem-ipsum.patch" {
		t.Errorf("patch: %q", got)
	}
	if got := PatchDisposition(""); got != "attachment; filename=.patch" {
		t.Errorf("empty patch: %q", got)
	}
	if got := DiffDisposition("a b"); got != "attachment; filename=a-b.diff" {
		t.Errorf("diff: %q", got)
	}
	if got := CoverDisposition("[0/2] cover"); got != "attachment; filename=0-2-cover.mbox" {
		t.Errorf("cover: %q", got)
	}
	if got := SeriesDisposition(store.Series{ID: 5}); got != "attachment; filename=Untitled-series-5.patch" {
		t.Errorf("series: %q", got)
	}
	if got := SeriesDisposition(store.Series{ID: 5, Name: "fix: things"}); got != "attachment; filename=fix-things.patch" {
		t.Errorf("named series: %q", got)
	}
	if got := BundleDisposition(store.Bundle{ID: 3, Name: "my stuff"}); got != "attachment; filename=bundle-3-my stuff.mbox" {
		t.Errorf("bundle: %q", got)
	}
	if got := BundleDisposition(store.Bundle{ID: 3, Name: "zażółć gęślą"}); got != "attachment; filename=bundle-3-za-g-l.mbox" {
		t.Errorf("non-ASCII bundle: %q", got)
	}
}

func TestMsgIDEscaping(t *testing.T) {
	tests := []struct{ msgid, seg string }{
		{"<20250820191702.100635-0-49699333+dependabot[bot]@users.noreply.github.com>", "20250820191702.100635-0-49699333+dependabot%5Bbot%5D@users.noreply.github.com"},
		{"<a/b@c>", "a%252Fb@c"},
		{"<x y#z?w\"%@é>", "x%20y%23z%3Fw%22%25@%C3%A9"},
		{"<!$&'()*+,;=:@x>", "!$&'()*+,;=:@x"},
	}
	for _, tt := range tests {
		if got := EscapeMsgID(tt.msgid); got != tt.seg {
			t.Errorf("EscapeMsgID(%q) = %q, want %q", tt.msgid, got, tt.seg)
		}
		back, err := UnescapeMsgID(tt.seg)
		if err != nil || back != tt.msgid {
			t.Errorf("UnescapeMsgID(%q) = %q, %v; want %q", tt.seg, back, err, tt.msgid)
		}
	}
	// A plain %2F on the wire means '/' too.
	if got, _ := UnescapeMsgID("a%2Fb@c"); got != "<a/b@c>" {
		t.Errorf("plain %%2F: %q", got)
	}
	if _, err := UnescapeMsgID("bad%zz"); err == nil {
		t.Error("bad escape accepted")
	}
	if got := PatchPath("test", "<a/b@c>"); got != "/project/test/patch/a%252Fb@c/" {
		t.Errorf("PatchPath = %q", got)
	}
}
