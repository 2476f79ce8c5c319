package store

import "time"

// Field names a patch attribute a Cond tests.
type Field int

// The patch fields a query can test. Each says which Cond member it reads.
const (
	FieldState          Field = iota + 1 // Ints: state ids
	FieldActionRequired                  // Bool: the patch's state is action-required
	FieldArchived                        // Bool
	FieldSubmitter                       // Ints: person ids
	FieldSubmitterText                   // Strs: substring of submitter name or e-mail (any), case-insensitive
	FieldDelegate                        // Ints: user ids; 0 in Ints means "no delegate"
	FieldSeries                          // Ints: series ids
	FieldHash                            // Strs: exact, case-insensitive
	FieldMsgID                           // Strs: exact, with angle brackets
	FieldName                            // Strs: every string is a case-insensitive substring of the name
	FieldDate                            // Op and Time
	FieldHasTag                          // Ints: tag ids, the patch has at least one of each
	FieldCheck                           // Ints: CheckState values, the combined check state is one of them
	FieldFile                            // Strs: globs ('*' and '?') on paths the diff touches
	FieldID                              // Ints: patch ids; with Op Lt/Le/Gt/Ge, a range from Ints[0]
	FieldProject                         // Ints: project ids
	FieldHasCommitRef                    // Bool
	FieldIsPull                          // Bool: has a pull URL
	FieldSubmitterName                   // Strs: substring of submitter name (any), case-insensitive
)

// Op compares dates.
type Op int

// Comparison operators for FieldDate.
const (
	OpEq Op = iota // same UTC day
	OpLt
	OpLe
	OpGt
	OpGe
)

// Cond is one test on a patch. Not negates it.
type Cond struct {
	Field Field
	Not   bool
	Ints  []int64
	Strs  []string
	Bool  bool
	Op    Op
	Time  time.Time
}

// Order says how a patch list is sorted. Ties are always broken by id in the
// same direction, which makes keyset pagination exact.
type Order int

// Patch list orders.
const (
	OrderID Order = iota
	OrderDate
	OrderName
	OrderState     // by the state's ordering
	OrderSubmitter // by person id
	OrderProject   // by project linkname
	OrderArchived
	OrderCheck // by combined check state: pending < success < warning < fail
	OrderDelegate
	OrderSubmitterName // by the submitter's name (upstream's web list)
)

// Cursor is a keyset position: the sort key and id of the last row seen.
// Only OrderID and OrderDate support keyset paging; other orders use Offset.
type Cursor struct {
	Date time.Time
	ID   int64
}

// PatchQuery selects a page of patches. Conds are ANDed.
type PatchQuery struct {
	Conds []Cond
	Order Order
	Desc  bool
	// DateTieBreak breaks ties of a non-date order by date in the opposite
	// direction, then id (upstream's web list: "-name" ties oldest first).
	// Page-number paging only.
	DateTieBreak bool
	// After continues after this row (keyset, for OrderID and OrderDate).
	// Before goes backwards: the page that ends just before this row, still
	// returned in the query's order.
	After  *Cursor
	Before *Cursor
	Limit  int // 0: no limit
	Offset int // for page-number APIs (REST, web); avoid on huge lists
	// NoTags leaves the rows' tag counts empty and NoChecks their check
	// summaries, for callers that show none (REST lists have no counts,
	// XML-RPC neither): one query less per page each.
	NoTags, NoChecks bool
	// Lean rows leave Submitter.UserID, DelegateUsername, SeriesTotal and
	// Number unset (and Tags nil with NoTags), for lists that show none of
	// them (REST): fewer columns to read and one join less per row. They
	// alone carry SeriesProjectID, SeriesDate and CheckState.
	Lean bool
}

// CursorOf returns the keyset cursor for a row.
func CursorOf(p PatchRow) Cursor { return Cursor{Date: p.Date, ID: p.ID} }

// SeriesQuery selects series.
type SeriesQuery struct {
	ProjectID int64
	// ProjectIDs: any of these projects (empty: no test; with ProjectID,
	// both apply). REST's repeated project parameter.
	ProjectIDs  []int64
	SubmitterID []int64
	Since       time.Time // zero: unbounded
	Before      time.Time
	NameLike    string // case-insensitive substring
	// NameTerms: each is a case-insensitive substring of the name too
	// (REST's q of several words, the query language's words); NotNames,
	// substrings it does not hold. SubmitterText: the submitter's name or
	// e-mail holds one of them (the query language's from:).
	NameTerms, NotNames, SubmitterText []string
	Order                              string // "id", "name", "date", "submitter", "received_all"; "-" prefix for descending
	Limit                              int
	Offset                             int
}

// CoverQuery selects cover letters.
type CoverQuery struct {
	ProjectID int64
	SeriesID  int64
	// ProjectIDs and SeriesIDs: any of these (empty: no test; with the
	// single id, both apply).
	ProjectIDs  []int64
	SeriesIDs   []int64
	SubmitterID []int64
	MsgID       string
	Since       time.Time
	Before      time.Time
	NameLike    string
	NameTerms   []string // each a case-insensitive substring of the name, like NameLike
	Order       string   // "id", "name", "date", "submitter"; "-" prefix for descending
	Limit       int
	Offset      int
}

// CommentQuery selects the comments of one patch or one cover.
type CommentQuery struct {
	PatchID     int64
	CoverID     int64
	SubjectLike string
	Order       string // "id", "subject", "date", "submitter"
	Limit       int
	Offset      int
}

// CheckQuery selects the checks of one patch.
type CheckQuery struct {
	PatchID int64
	UserID  []int64
	State   []CheckState
	Context string
	Since   time.Time
	Before  time.Time
	Order   string // "id", "user", "date", "state", "target_url", "context", "description"
	Limit   int
	Offset  int
}

// BundleQuery selects bundles. Visibility is the caller's job: set ViewerID
// to show that user's private bundles beside the public ones.
type BundleQuery struct {
	ProjectID int64
	OwnerID   []int64
	Public    *bool
	ViewerID  int64 // -1: every bundle (admin); 0: public only
	NameLike  string
	Name      string // exact
	Order     string // "id", "name", "owner"
	Limit     int
	Offset    int
}

// EventQuery selects events, newest first unless Asc.
type EventQuery struct {
	ProjectID  int64
	Categories []string
	SeriesID   int64
	PatchID    int64
	CoverID    int64
	ActorID    []int64
	// ProjectIDs, SeriesIDs, PatchIDs, CoverIDs: any of these (empty: no
	// test; with the single id, both apply).
	ProjectIDs []int64
	SeriesIDs  []int64
	PatchIDs   []int64
	CoverIDs   []int64
	Since      time.Time
	Before     time.Time
	AfterID    int64 // only events with a larger id (live polling)
	Asc        bool
	Limit      int
	Offset     int
}

// PersonQuery selects people.
type PersonQuery struct {
	Text string // substring of name or e-mail, case-insensitive
	// NameOnly matches Text against the name alone (upstream's web
	// submitter filter).
	NameOnly bool
	Order    string // "id", "name", "email"
	// Listed keeps only the people lists show: those who sent a patch, a
	// cover or a comment, and those linked to a user.
	Listed bool
	Limit  int
	Offset int
}

// UserQuery selects users.
type UserQuery struct {
	Text   string // substring of username, first/last name or e-mail
	Order  string // "id", "username", "email"
	Limit  int
	Offset int
}

// DeepOffset is the offset from which even an indexed order is a walk
// past every row before the page.
const DeepOffset = 10_000

// Indexed reports whether the database answers q from its indexes: an
// order by id or date, a page before DeepOffset, and conditions only on
// indexed columns. Anything else (an order by name or check, a word or
// file search, a tag or check filter) reads and sorts every matching row;
// front ends send such lists through the shared admission gate
// (store/gate).
func (q PatchQuery) Indexed() bool {
	if q.Order != OrderID && q.Order != OrderDate {
		return false
	}
	if q.Offset >= DeepOffset {
		return false
	}
	for _, c := range q.Conds {
		switch c.Field {
		case FieldProject, FieldState, FieldActionRequired, FieldArchived,
			FieldSubmitter, FieldDelegate, FieldSeries, FieldHash,
			FieldMsgID, FieldID, FieldDate:
		default:
			return false
		}
	}
	return true
}
