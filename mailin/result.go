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
)

var kindNames = [...]string{"dropped", "rejected", "duplicate", "patch", "cover", "patch-comment", "cover-comment"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Stored reports whether a row was created.
func (k Kind) Stored() bool { return k >= StoredPatch }

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
}
