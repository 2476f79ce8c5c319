package mailin

import "fmt"

// Kind is what became of one mail.
type Kind int

// The outcomes of Ingest (spec §1).
const (
	// Dropped: nothing to store (ignore hint, no project, no content, a
	// reply without parent).
	Dropped Kind = iota
	// Rejected: a bad mail (missing or broken mandatory header, invalid
	// sender); callers keep it as a failed mail.
	Rejected
	// Duplicate: already stored; nothing changed.
	Duplicate
	// StoredPatch, StoredCover, StoredPatchComment and StoredCoverComment:
	// a row was created.
	StoredPatch
	StoredCover
	StoredPatchComment
	StoredCoverComment
	// Held: a reply whose parent has not arrived; kept (raw) and placed
	// when the parent arrives (see held.go).
	Held
)

var kindNames = [...]string{"dropped", "rejected", "duplicate", "patch", "cover", "patch-comment", "cover-comment", "held"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Stored reports whether a row was created.
func (k Kind) Stored() bool { return k >= StoredPatch && k <= StoredCoverComment }

// Result describes the outcome of one Ingest.
type Result struct {
	Kind   Kind
	Reason string // why it was dropped or rejected
	MsgID  string

	ProjectID int64
	PatchID   int64
	CoverID   int64
	CommentID int64
	// SeriesID is the series the patch or cover belongs to (0 when none);
	// SeriesCreated tells whether this mail created it.
	SeriesID      int64
	SeriesCreated bool
	// HeldID is the held mail the result is about: the one a reply was
	// held as (Held), or the one placed (PlaceHeld, Placed).
	HeldID int64
	// Placed are the held replies this mail's storing placed (or, when
	// they no longer parse, kept as failed mail: Rejected).
	Placed []Result
}

// Tally counts the outcomes of many mails (parsearchive's summary). A
// held reply counts as held until it is placed, then as the comment it
// became (or the failed mail it was kept as), so the kinds always add up
// to Messages.
type Tally struct {
	Messages      int
	Kinds         [len(kindNames)]int
	SeriesCreated int
	held          map[HeldKey]bool
}

// Add counts one result, and moves the replies it placed that this tally
// counted as held.
func (t *Tally) Add(r Result) {
	t.Messages++
	if r.Kind >= 0 && int(r.Kind) < len(t.Kinds) {
		t.Kinds[r.Kind]++
	}
	if r.SeriesCreated {
		t.SeriesCreated++
	}
	if r.Kind == Held {
		if t.held == nil {
			t.held = map[HeldKey]bool{}
		}
		t.held[HeldKey{r.ProjectID, r.MsgID}] = true
	}
	t.placed(r.Placed)
}

// AddPlaced moves the replies a PlaceHeld placed or refused that this
// tally counted as held.
func (t *Tally) AddPlaced(rep PlaceReport) { t.placed(rep.Results) }

func (t *Tally) placed(rs []Result) {
	for _, p := range rs {
		k := HeldKey{p.ProjectID, p.MsgID}
		if p.Kind == Held || !t.held[k] || p.Kind < 0 || int(p.Kind) >= len(t.Kinds) {
			continue
		}
		delete(t.held, k)
		t.Kinds[Held]--
		t.Kinds[p.Kind]++
	}
}

// Held is the replies this tally counts as held, for PlaceHeld.
func (t *Tally) Held() map[HeldKey]bool {
	out := make(map[HeldKey]bool, len(t.held))
	for k := range t.held {
		out[k] = true
	}
	return out
}

// Count is how many results had kind k.
func (t *Tally) Count(k Kind) int {
	if k < 0 || int(k) >= len(t.Kinds) {
		return 0
	}
	return t.Kinds[k]
}

// String is the one-line summary parsearchive prints.
func (t *Tally) String() string {
	return fmt.Sprintf("%d messages: %d patches, %d covers, %d comments, %d series, %d duplicates, %d dropped, %d failed, %d held",
		t.Messages, t.Count(StoredPatch), t.Count(StoredCover),
		t.Count(StoredPatchComment)+t.Count(StoredCoverComment), t.SeriesCreated,
		t.Count(Duplicate), t.Count(Dropped), t.Count(Rejected), t.Count(Held))
}
