package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestStateKeys: one key sets a state (A accepted by default) on the
// patch under the cursor, and ? lists the keys.
func TestStateKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	openList(h)
	h.typ("?")
	h.typ("/")
	h.typ("one-key")
	h.press("enter")
	h.waitFor("One-key states")
	h.waitFor("A          → accepted", "N          → new")
	h.press("esc")
	h.waitFor("1 of 4", "doc: typo")
	h.typ("A") // the cursor is on the newest patch: doc
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README → Accepted")
	got := must(f.s.GetPatch(ctx, f.doc.ID))(t)
	if got.StateID != f.states["accepted"].ID {
		t.Fatalf("doc's state is %d, want accepted (%d)", got.StateID, f.states["accepted"].ID)
	}
	// In the patch view too.
	h.waitFor("1 of 3")
	h.press("enter")
	h.waitFor("win: fix handle leak", "Message-ID")
	h.typ("C")
	h.waitFor("#"+itoa(f.fix.ID)+" win: fix handle leak → Changes Requested", "State      Changes Requested")
}

// TestStateKeysConfigured: the keys come from the options; one that
// another binding uses is refused with a message, the defaults kept.
func TestStateKeysConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia, func(o *Options) { o.StateKeys = map[string]string{"Z": "rejected"} })
	openList(h)
	h.typ("A")
	time.Sleep(100 * time.Millisecond)
	h.typ("Z")
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README → Rejected")
	if got := must(f.s.GetPatch(ctx, f.doc.ID))(t); got.StateID != f.states["rejected"].ID {
		t.Fatalf("doc's state is %d, want rejected", got.StateID)
	}

	bad := start(t, f.s, f.mia, func(o *Options) { o.StateKeys = map[string]string{"j": "accepted"} })
	bad.waitFor(`state key "j" for "accepted": the key is taken (down)`)
}

// TestCopyApply: the patch and series views show the command that
// applies them, and y copies it to the terminal's clipboard (OSC 52).
func TestCopyApply(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) {
		o.InitialPatchID = f.v2p[0].ID
		o.SSH = "ssh -p 2222 patches.example.org"
	})
	want := "ssh -p 2222 patches.example.org mbox " + itoa(f.v2p[0].ID) + " | git am -3"
	h.waitFor("Apply      " + want)
	h.typ("y")
	h.waitFor("copied (OSC 52): " + want)
	osc := []byte("\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(want)))
	teatest.WaitFor(t, h.tm.Output(), func(b []byte) bool { return bytes.Contains(b, osc) },
		teatest.WithDuration(waitLimit))

	h.typ("S")
	series := "ssh -p 2222 patches.example.org series " + itoa(f.v2.ID) + " --mbox | git am -3"
	s := h.waitFor("Apply     " + series)
	if !strings.Contains(s, "(y copies)") {
		t.Errorf("the series view does not say how to copy:\n%s", s)
	}
}
