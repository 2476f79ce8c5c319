package mailin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// nestedMail is a patch whose diff sits depth multipart levels deep.
func nestedMail(msgid string, depth int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Ada <ada@example.org>\nSubject: [PATCH] nested\nMessage-Id: %s\nDate: Mon, 02 Jun 2025 10:00:00 +0000\nList-Id: Test <%s>\n", msgid, testListID)
	b.WriteString("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\n%s", depth-1, patchBody("deep.c", "x"))
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return []byte(b.String())
}

// TestRefusedMailKept: every mail the parser refuses is kept as a failed
// mail with its reason, and the mail server is told it is taken care of:
// one nested deeper than the parser reads (it was dropped without a
// trace) and one larger than the size limit (it was stored whole as a
// patch). A mail within both limits is stored as before.
func TestRefusedMailKept(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)

		if d := ing.Deliver(ctx, nestedMail("<shallow@x>", 10), ""); d.Temporary || d.Result.Kind != StoredPatch {
			t.Fatalf("10 levels deep: %+v", d)
		}
		big := testMail{Subject: "[PATCH] big", MsgID: "<big@x>", Body: patchBody("big.c", strings.Repeat("x", 20000))}.bytes()
		ing.SetMaxMailBytes(int64(len(big)) - 1)
		cases := map[string][]byte{
			"nested 100 deep": nestedMail("<deep@x>", 100),
			"over the limit":  big,
		}
		want := map[string]string{
			"nested 100 deep": "MIME parts nested more than 64 levels deep",
			"over the limit":  fmt.Sprintf("the mail is %d bytes, more than max_mail_bytes (%d)", len(big), len(big)-1),
		}
		for name, raw := range cases {
			d := ing.Deliver(ctx, raw, "")
			if d.Temporary || d.Result.Kind != Rejected || d.FailedID == 0 {
				t.Errorf("%s: %+v, want rejected and kept", name, d)
				continue
			}
			if !strings.Contains(d.Result.Reason, want[name]) {
				t.Errorf("%s: reason %q, want %q", name, d.Result.Reason, want[name])
			}
		}
		if _, err := s.GetPatchByMsgID(ctx, proj.ID, "<big@x>"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the large mail is stored as a patch (%v)", err)
		}
		fms, err := s.ListFailedMails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fms) != 2 {
			t.Fatalf("%d failed mails, want 2", len(fms))
		}
		for _, fm := range fms {
			if string(fm.Raw) != string(cases["nested 100 deep"]) && string(fm.Raw) != string(big) {
				t.Errorf("failed mail %d is not the mail as received", fm.ID)
			}
		}
		// An archive import refuses the same mails (and keeps them: its caller).
		rs, err := ing.IngestRawBatch(ctx, [][]byte{big, nestedMail("<deep2@x>", 65)}, "")
		if err != nil {
			t.Fatal(err)
		}
		for k, r := range rs {
			if r.Kind != Rejected || !strings.HasPrefix(r.Reason, ErrRejected.Error()) {
				t.Errorf("batch mail %d: %+v, want rejected", k, r)
			}
		}
		ing.SetMaxMailBytes(0)
		if d := ing.Deliver(ctx, big, ""); d.Result.Kind != StoredPatch {
			t.Errorf("without a limit: %+v", d)
		}
	})
}
