package mailin

import (
	"context"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/mailin/corpustest"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// libuv holds libuv-2000.mbox, read once per test binary.
var libuv struct {
	once  sync.Once
	mails [][]byte
	err   error
}

func libuvMails(t testing.TB) [][]byte {
	t.Helper()
	path := corpustest.Path(t, "libuv-2000.mbox")
	libuv.once.Do(func() {
		libuv.err = ReadArchive(path, func(raw []byte) error {
			libuv.mails = append(libuv.mails, raw)
			return nil
		})
	})
	if libuv.err != nil {
		t.Fatal(libuv.err)
	}
	return libuv.mails
}

// ingestAll feeds mails in batches the way parsearchive does.
func ingestAll(t testing.TB, ing *Ingester, mails [][]byte, batch int) *Tally {
	t.Helper()
	ctx := context.Background()
	var tally Tally
	for len(mails) > 0 {
		n := min(batch, len(mails))
		rs, err := ing.IngestRawBatch(ctx, mails[:n], "")
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		for _, r := range rs {
			tally.Add(r)
		}
		mails = mails[n:]
	}
	return &tally
}

// libuvSlice is how much of the archive the server dialects take: enough
// for hundreds of series, revisions and review replies, small enough to
// keep the package quick on PostgreSQL and MariaDB.
const libuvSlice = 500

// TestLibuvArchive imports libuv-2000.mbox (all of it on SQLite, the first
// libuvSlice mails elsewhere) twice: the first run stores exactly what
// upstream stores, the second finds only duplicates and changes nothing.
func TestLibuvArchive(t *testing.T) {
	all := libuvMails(t)
	if len(all) != 2688 {
		t.Fatalf("%d mails in libuv-2000.mbox, want 2688", len(all))
	}
	// The slice's expected counts come from SQLite, whose full run is
	// checked against upstream's figures.
	var sliceWant *Tally
	{
		s := sqltest.SQLite(t)
		newProject(t, s, "libuv", testListID)
		sliceWant = ingestAll(t, NewIngester(s, nil), all[:libuvSlice], 100)
	}
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, "libuv", testListID)
		mails, full := all, true
		if t.Name() != "TestLibuvArchive/sqlite" {
			mails, full = all[:libuvSlice], false
		}
		first := ingestAll(t, NewIngester(s, nil), mails, 100)
		t.Logf("first run: %v", first)
		if full {
			// Upstream's figures (corpus README); comments on patches and
			// on covers are counted together.
			const want = "2688 messages: 2000 patches, 423 covers, 265 comments, 638 series, 0 duplicates, 0 dropped, 0 failed, 0 held"
			if first.String() != want {
				t.Errorf("first run %v\nwant      %v", first, want)
			}
		} else if first.String() != sliceWant.String() {
			t.Errorf("first run %v\nSQLite    %v", first, sliceWant)
		}
		series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
		if err != nil {
			t.Fatal(err)
		}
		complete := 0
		for _, x := range series {
			if x.ReceivedAll() {
				complete++
			}
		}
		if full && (len(series) != 638 || complete != 638) {
			t.Errorf("%d series, %d complete; want 638 complete", len(series), complete)
		}
		events, err := s.LatestEventID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A new Ingester: nothing cached from the first run.
		second := ingestAll(t, NewIngester(s, nil), mails, 100)
		if second.Count(Duplicate) != len(mails) {
			t.Errorf("second run %v: want %d duplicates", second, len(mails))
		}
		if after, err := s.LatestEventID(ctx); err != nil || after != events {
			t.Errorf("second run recorded events: %d → %d (%v)", events, after, err)
		}
	})
}
