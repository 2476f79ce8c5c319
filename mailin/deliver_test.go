package mailin

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestDeliverBatch: mails handed over together are stored in one go, a
// bad one is kept as a failed mail without holding the others back, and a
// mail delivered twice in one batch is stored once.
func TestDeliverBatch(t *testing.T) {
	mails := libuvMails(t)[:30]
	bad := []byte("From: nobody\nSubject: [PATCH] no message id\n\n---\n a | 1 +\n")
	batch := append([][]byte{bad}, mails...)
	batch = append(batch, mails[3])
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := sqltest.Open(t, d)
			newProject(t, s, "libuv", testListID)
			got := NewIngester(s, nil).DeliverBatch(ctx, batch, "")
			if len(got) != len(batch) {
				t.Fatalf("%d answers for %d mails", len(got), len(batch))
			}
			if got[0].Result.Kind != Rejected || got[0].FailedID == 0 || got[0].Temporary {
				t.Errorf("bad mail: %+v, want rejected and kept", got[0])
			}
			stored := 0
			for k, dv := range got[1 : len(got)-1] {
				if dv.Temporary || dv.FailedID != 0 {
					t.Errorf("mail %d: %+v", k, dv)
				}
				if dv.Result.Kind.Stored() || dv.Result.Kind == Held {
					stored++
				}
			}
			if last := got[len(got)-1]; last.Result.Kind != Duplicate {
				t.Errorf("second copy of a mail in the batch: %v, want duplicate", last.Result.Kind)
			}
			// The same mails one transaction each give the same outcome.
			s2 := sqltest.Open(t, d)
			newProject(t, s2, "libuv", testListID)
			ing := NewIngester(s2, nil)
			one := 0
			for _, raw := range mails {
				if dv := ing.Deliver(ctx, raw, ""); dv.Result.Kind.Stored() || dv.Result.Kind == Held {
					one++
				}
			}
			if stored != one || stored < 20 {
				t.Errorf("batch stored or held %d mails, one by one %d", stored, one)
			}
			fm, err := s.ListFailedMails(ctx)
			if err != nil || len(fm) != 1 {
				t.Errorf("failed mails: %d (%v), want the bad one", len(fm), err)
			}
		})
	}
}
