package store

import "time"

// Optional strings (commit ref, hash, pull URL, diff, content, URLs) use the
// empty string for "unset"; the SQL layer stores it as NULL where the column
// is nullable. Optional references (delegate, series, related, user) use 0.

// Project is one mailing list tracked by the instance.
type Project struct {
	ID                   int64
	LinkName             string // URL name, unique
	Name                 string // display name, unique
	ListID               string // List-Id without angle brackets, e.g. "linux-kernel.vger.kernel.org"
	ListEmail            string
	SubjectMatch         string // regexp; "" matches all mails of the list
	WebURL               string
	SCMURL               string
	WebSCMURL            string
	ListArchiveURL       string
	ListArchiveURLFormat string // contains "{}" replaced by the bare message id
	CommitURLFormat      string // contains "{}" replaced by the commit ref
	SendNotifications    bool
	UseTags              bool
	ShowDependencies     bool
	// SupersedeOldVersions marks older versions' patches Superseded when a
	// complete new version of a series arrives (our extension, off by default).
	SupersedeOldVersions bool
	// HintSenders are the addresses (space-separated), besides the
	// project's maintainers, whose X-Patchwork-State and
	// X-Patchwork-Delegate headers are honoured; anyone else's are ignored.
	HintSenders string
}

// Person is a mail address seen on a list; it may be linked to a User.
type Person struct {
	ID     int64
	Name   string // best known display name, may be ""
	Email  string // unique, compared case-insensitively
	UserID int64  // 0 when not linked
}

// User is an account: it can log in over SSH (keys), XML-RPC (password) and
// REST (token).
type User struct {
	ID           int64
	Username     string // unique
	Email        string // unique
	FirstName    string
	LastName     string
	PasswordHash string // bcrypt; "" means no password login
	IsAdmin      bool
	Active       bool
	DateJoined   time.Time
	// Settings (REST 1.2 users/<id>/ settings).
	SendEmail    bool
	ItemsPerPage int
	ShowIDs      bool
}

// SSHKey is a public key that authenticates a user over SSH.
type SSHKey struct {
	ID          int64
	UserID      int64
	Type        string // "ssh-ed25519", "ssh-rsa", ...
	Fingerprint string // SHA256:... as printed by ssh-keygen -l; unique
	Comment     string
	Key         string // authorized_keys form: "type base64"
	Created     time.Time
}

// State is a patch state (New, Under Review, Accepted, ...).
type State struct {
	ID             int64
	Name           string // "Under Review"
	Slug           string // "under-review"
	Ordering       int
	ActionRequired bool
}

// Tag is a trailer counted in patches and their comments (Acked-by...).
type Tag struct {
	ID         int64
	Name       string // "Acked-by"
	Pattern    string // regexp matched per line, case-insensitive: "^Acked-by:"
	Abbrev     string // "A"
	ShowColumn bool
}

// Patch is a mail that carries a diff or a pull request.
type Patch struct {
	ID          int64
	ProjectID   int64
	MsgID       string // with angle brackets
	Name        string // cleaned subject, prefixes kept as in upstream
	Date        time.Time
	SubmitterID int64
	Headers     string
	Content     string
	Diff        string
	PullURL     string
	Hash        string
	StateID     int64
	Archived    bool
	DelegateID  int64
	CommitRef   string
	SeriesID    int64
	Number      int // position in the series, 0 when none
	RelatedID   int64
}

// PatchRow is a patch as shown in a list: no headers, content or diff, but
// everything a list row needs, fetched without N+1 queries.
type PatchRow struct {
	ID               int64
	ProjectID        int64
	MsgID            string
	Name             string
	Date             time.Time
	Hash             string
	PullURL          string
	CommitRef        string
	StateID          int64
	Archived         bool
	Submitter        Person
	DelegateID       int64
	DelegateUsername string
	SeriesID         int64
	SeriesName       string
	SeriesVersion    int
	SeriesTotal      int
	// SeriesProjectID and SeriesDate complete the series' summary (with
	// SeriesName and SeriesVersion), enough to embed it: lean rows only
	// (PatchQuery.Lean).
	SeriesProjectID int64
	SeriesDate      time.Time
	Number          int
	RelatedID       int64
	Tags            TagCounts
	Checks          CheckSummary
	// CheckState is the combined state of the checks as stored with the
	// patch (the one the check filter and order use): Checks.Combined()
	// without reading the checks. Lean rows only.
	CheckState CheckState
}

// TagCounts maps a tag id to how many times it was given.
type TagCounts map[int64]int

// CheckSummary counts a patch's unique checks (newest per user and context).
type CheckSummary struct {
	Pending, Success, Warning, Fail int
}

// Combined is the combined check state: fail if any fails, else warning if
// any warns, else pending if any is pending or there are none, else success.
func (c CheckSummary) Combined() CheckState {
	switch {
	case c.Fail > 0:
		return CheckFail
	case c.Warning > 0:
		return CheckWarning
	case c.Pending > 0 || c.Total() == 0:
		return CheckPending
	default:
		return CheckSuccess
	}
}

// Total is the number of unique checks.
func (c CheckSummary) Total() int { return c.Pending + c.Success + c.Warning + c.Fail }

// Cover is a series' cover letter (the 0/N mail).
type Cover struct {
	ID          int64
	ProjectID   int64
	MsgID       string
	Name        string
	Date        time.Time
	SubmitterID int64
	Headers     string
	Content     string
	SeriesID    int64 // 0 when not attached
}

// Comment is a reply to a patch or to a cover. Ids are unique across both.
type Comment struct {
	ID          int64
	PatchID     int64 // exactly one of PatchID and CoverID is set
	CoverID     int64
	ProjectID   int64
	MsgID       string
	Date        time.Time
	SubmitterID int64
	Headers     string
	Content     string
	Addressed   *bool // nil: not tracked
	// Alias is the number an imported upstream cover comment had there
	// (upstream counted cover comments apart from patch comments); 0 for
	// every other comment.
	Alias int64
}

// Number is the id clients see: upstream's for an imported cover comment,
// the row's id otherwise.
func (c Comment) Number() int64 {
	if c.Alias != 0 {
		return c.Alias
	}
	return c.ID
}

// MsgIDOwner is what a project holds under one message id: its patch, its
// cover letter, and the newest of its comments (by date, then id) with
// what that comment answers. Zero ids mean none.
type MsgIDOwner struct {
	PatchID, CoverID int64
	CommentID        int64
	CommentPatchID   int64
	CommentCoverID   int64
	CommentDate      time.Time
}

// AddComment takes a comment with this message id into account: it
// becomes the newest when it is later, or as late with a higher id
// (FindCommentParent's order).
func (o *MsgIDOwner) AddComment(id, patchID, coverID int64, date time.Time) {
	if o.CommentID != 0 && (date.Before(o.CommentDate) || (date.Equal(o.CommentDate) && id < o.CommentID)) {
		return
	}
	o.CommentID, o.CommentPatchID, o.CommentCoverID, o.CommentDate = id, patchID, coverID, date
}

// SeriesRef records that a series names a message id (its own mails'
// and those they reference): a mail of the thread arriving later finds
// the series through it.
type SeriesRef struct {
	SeriesID int64
	MsgID    string
}

// SeriesName is a series' id, submitter and name.
type SeriesName struct {
	ID, SubmitterID int64
	Name            string
}

// Series groups the patches of one posting.
type Series struct {
	ID            int64
	ProjectID     int64
	Name          string // "" when unnamed (shown as "Untitled series #ID")
	Date          time.Time
	SubmitterID   int64
	Version       int
	Total         int
	CoverID       int64
	ReceivedTotal int   // patches in the series (maintained by the store)
	PreviousID    int64 // the previous version of this series, 0 when none
	NextID        int64 // the next version, 0 when none
}

// ReceivedAll reports whether every announced patch arrived.
func (s Series) ReceivedAll() bool { return s.Total <= s.ReceivedTotal }

// DisplayName is the name, or "Untitled series #ID" when there is none.
func (s Series) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return "Untitled series #" + itoa(s.ID)
}

// Bundle is a user's named, ordered list of patches.
type Bundle struct {
	ID        int64
	OwnerID   int64
	ProjectID int64
	Name      string // unique per owner
	Public    bool
}

// CheckState is the result of a CI check.
type CheckState int

// The check states, in their stored numeric order.
const (
	CheckPending CheckState = iota
	CheckSuccess
	CheckWarning
	CheckFail
)

var checkStateNames = [...]string{"pending", "success", "warning", "fail"}

func (c CheckState) String() string {
	if c < 0 || int(c) >= len(checkStateNames) {
		return "pending"
	}
	return checkStateNames[c]
}

// ParseCheckState accepts a label ("success") or the stored number ("1").
func ParseCheckState(s string) (CheckState, bool) {
	for i, n := range checkStateNames {
		if s == n || s == itoa(int64(i)) {
			return CheckState(i), true
		}
	}
	return 0, false
}

// Check is a CI result attached to a patch.
type Check struct {
	ID          int64
	PatchID     int64
	UserID      int64
	Date        time.Time
	State       CheckState
	TargetURL   string
	Context     string
	Description string
	// TargetURLGiven and DescriptionGiven tell "" given from no value
	// (null): upstream's XML-RPC check_create stores "" for the arguments
	// it leaves out and REST reads that back as "", while a REST POST
	// without the field reads back null. A non-empty value is always given
	// (CreateCheck sets the flag).
	TargetURLGiven   bool
	DescriptionGiven bool
}

// Event categories, as upstream names them.
const (
	EventCoverCreated         = "cover-created"
	EventPatchCreated         = "patch-created"
	EventPatchCompleted       = "patch-completed"
	EventPatchStateChanged    = "patch-state-changed"
	EventPatchDelegated       = "patch-delegated"
	EventPatchRelationChanged = "patch-relation-changed"
	EventCheckCreated         = "check-created"
	EventSeriesCreated        = "series-created"
	EventSeriesCompleted      = "series-completed"
	EventCoverCommentCreated  = "cover-comment-created"
	EventPatchCommentCreated  = "patch-comment-created"
)

// EventPatchUpdated is ours, not upstream's: it records changes upstream
// logs nothing for (archived, commit ref, name, pull URL) so that live
// views in other sessions refresh. It is not in EventCategories, and the
// REST API does not list it.
const EventPatchUpdated = "patch-updated"

// EventCategories lists every category in upstream's order.
var EventCategories = []string{
	EventCoverCreated, EventPatchCreated, EventPatchCompleted,
	EventPatchStateChanged, EventPatchDelegated, EventPatchRelationChanged,
	EventCheckCreated, EventSeriesCreated, EventSeriesCompleted,
	EventCoverCommentCreated, EventPatchCommentCreated,
}

// Event records something that happened; the event log also drives live
// updates in the TUI (sessions poll the newest event id).
type Event struct {
	ID                 int64
	Category           string
	ProjectID          int64
	Date               time.Time
	ActorID            int64 // 0: the system (mail in)
	PatchID            int64
	SeriesID           int64
	CoverID            int64
	CommentID          int64
	CheckID            int64
	PreviousStateID    int64
	CurrentStateID     int64
	PreviousDelegateID int64
	CurrentDelegateID  int64
	PreviousRelationID int64
	CurrentRelationID  int64
}

// DelegationRule delegates new patches touching Path (a glob) to UserID.
type DelegationRule struct {
	ID        int64
	ProjectID int64
	UserID    int64
	Path      string
	Priority  int // higher wins
}

// Notification is a queued patch state change waiting to be mailed by cron.
type Notification struct {
	PatchID      int64
	OrigStateID  int64     // the state before the first unsent change
	LastModified time.Time // time of the newest change
}

// ConfirmationRegistration is the Confirmation.Type of self-registration
// (a new user with the SSH key that asked for it).
const ConfirmationRegistration = "registration"

// Confirmation is a pending e-mail confirmation (registration, opt-out...).
type Confirmation struct {
	ID     int64
	Type   string // "registration", "optout", "optin", "userperson"
	Email  string
	UserID int64  // 0 for registrations
	Key    string // the secret token mailed to Email; unique
	Date   time.Time
	Active bool
	// Registration data carried until confirmation.
	Username  string
	PublicKey string // authorized_keys form, for SSH self-registration
}

// HeldMail is a reply kept until the mail it answers arrives (out-of-order
// delivery); References are the ids it names, Raw the mail as received.
type HeldMail struct {
	ID         int64
	ProjectID  int64
	MsgID      string
	References []string
	Received   time.Time
	Raw        []byte
}

// FailedMail is a mail that could not be parsed, kept for an admin to inspect
// and feed again.
type FailedMail struct {
	ID       int64
	Received time.Time
	Error    string
	Raw      []byte
}
