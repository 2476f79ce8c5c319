package store

import (
	"context"
	"time"
)

// Store is everything the front ends need from the database. Every method
// takes a context; implementations wrap errors with context and the
// sentinels of errors.go.
type Store interface {
	ProjectStore
	PersonStore
	UserStore
	StateStore
	PatchStore
	CoverStore
	CommentStore
	SeriesStore
	CheckStore
	BundleStore
	EventStore
	MailStore
	SentMailStore

	// InTx runs fn in one transaction: fn's Store sees and writes only inside
	// it; the transaction commits when fn returns nil and rolls back
	// otherwise. Nested calls run inside the outer transaction.
	InTx(ctx context.Context, fn func(Store) error) error
	// LockProject serialises writers of one project until the surrounding
	// transaction ends (mail ingest takes it so that two parsemail processes
	// delivering one series build one series). Outside InTx it is a no-op.
	LockProject(ctx context.Context, projectID int64) error
	// SchemaCurrent reports whether the database schema is the one this
	// binary expects (parsemail refuses to run on an old schema).
	SchemaCurrent(ctx context.Context) (bool, error)
	// Close releases the connection pool.
	Close() error
}

// ProjectStore manages projects and their maintainers.
type ProjectStore interface {
	CreateProject(ctx context.Context, p *Project) error // sets p.ID; ErrConflict on duplicate linkname/name
	UpdateProject(ctx context.Context, p *Project) error
	GetProject(ctx context.Context, id int64) (*Project, error)
	GetProjectByLinkName(ctx context.Context, linkname string) (*Project, error)
	// ListProjects returns every project ordered by linkname.
	ListProjects(ctx context.Context) ([]Project, error)

	AddMaintainer(ctx context.Context, projectID, userID int64) error // idempotent
	RemoveMaintainer(ctx context.Context, projectID, userID int64) error
	ListMaintainers(ctx context.Context, projectID int64) ([]User, error)
	IsMaintainer(ctx context.Context, projectID, userID int64) (bool, error)
	// MaintainedProjects lists the ids of the projects a user maintains.
	MaintainedProjects(ctx context.Context, userID int64) ([]int64, error)

	AddDelegationRule(ctx context.Context, r *DelegationRule) error
	DeleteDelegationRule(ctx context.Context, projectID, ruleID int64) error
	// ListDelegationRules returns a project's rules, highest priority first.
	ListDelegationRules(ctx context.Context, projectID int64) ([]DelegationRule, error)
}

// PersonStore manages people (mail addresses).
type PersonStore interface {
	// UpsertPerson finds a person by e-mail (case-insensitive) or creates one.
	// A non-empty name replaces a stored empty name; it never overwrites an
	// existing one unless overwrite is set.
	UpsertPerson(ctx context.Context, email, name string, overwrite bool) (*Person, error)
	// InsertPerson is UpsertPerson for an address believed new: it tries
	// the insert first.
	InsertPerson(ctx context.Context, email, name string, overwrite bool) (*Person, error)
	// PeopleByEmails finds the people of many addresses at once, keyed by
	// lower-cased address (unknown addresses are left out).
	PeopleByEmails(ctx context.Context, emails []string) (map[string]Person, error)
	GetPerson(ctx context.Context, id int64) (*Person, error)
	GetPersonByEmail(ctx context.Context, email string) (*Person, error)
	// GetPeople fetches many people at once (no N+1), keyed by id.
	GetPeople(ctx context.Context, ids []int64) (map[int64]Person, error)
	ListPeople(ctx context.Context, q PersonQuery) ([]Person, error)
	// LinkPerson links every person with that e-mail to the user.
	LinkPerson(ctx context.Context, email string, userID int64) error
}

// UserStore manages accounts, their keys and tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // sets u.ID; ErrConflict on duplicate username/email
	UpdateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id int64) (*User, error)
	GetUserByName(ctx context.Context, username string) (*User, error)
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	GetUsers(ctx context.Context, ids []int64) (map[int64]User, error)
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)

	AddSSHKey(ctx context.Context, k *SSHKey) error // ErrConflict when the fingerprint is taken
	ListSSHKeys(ctx context.Context, userID int64) ([]SSHKey, error)
	DeleteSSHKey(ctx context.Context, userID int64, fingerprint string) error
	// UserBySSHKey returns the user owning the key with that fingerprint.
	UserBySSHKey(ctx context.Context, fingerprint string) (*User, error)

	// SetToken stores the user's REST API token, given in clear, as its
	// HashToken (one per user, replaced): the clear text is never stored,
	// so it can be shown only when made (IssueToken).
	SetToken(ctx context.Context, userID int64, token string) error
	// TokenCreated says when the user's token was made, ErrNotFound when
	// there is none.
	TokenCreated(ctx context.Context, userID int64) (time.Time, error)
	// UserByToken returns the owner of a clear-text token, by its hash.
	UserByToken(ctx context.Context, token string) (*User, error)

	// E-mail opt-outs (notification mail).
	SetOptOut(ctx context.Context, email string, out bool) error
	IsOptedOut(ctx context.Context, email string) (bool, error)

	CreateConfirmation(ctx context.Context, c *Confirmation) error
	GetConfirmation(ctx context.Context, key string) (*Confirmation, error)
	DeactivateConfirmation(ctx context.Context, id int64) error
	// ExpireConfirmations deletes confirmations older than before and
	// returns how many went.
	ExpireConfirmations(ctx context.Context, before time.Time) (int, error)
	// ExpireInactiveUsers deletes never-activated users that joined before
	// the cut-off (stale registrations) and returns how many went.
	ExpireInactiveUsers(ctx context.Context, before time.Time) (int, error)
}

// StateStore reads states and tags (seeded by the initial migration).
type StateStore interface {
	// ListStates returns the states by ordering.
	ListStates(ctx context.Context) ([]State, error)
	ListTags(ctx context.Context) ([]Tag, error)
}

// PatchUpdate is a change to a patch; nil members are left alone.
type PatchUpdate struct {
	StateID    *int64
	DelegateID *int64 // 0 clears
	Archived   *bool
	CommitRef  *string // "" clears
	PullURL    *string // "" clears
	Name       *string
	// Expect, when set, makes the update conditional: it applies only
	// while the patch still has these values, else nothing changes and
	// the error is ErrStale (a dialog refusing to overwrite a change
	// made by someone else since it opened).
	Expect PatchExpect
}

// PatchExpect holds the values a conditional PatchUpdate expects the patch
// to have; nil members are not compared.
type PatchExpect struct {
	StateID    *int64
	DelegateID *int64 // 0: no delegate
	Archived   *bool
	CommitRef  *string
}

// Any reports whether any value is expected.
func (e PatchExpect) Any() bool {
	return e.StateID != nil || e.DelegateID != nil || e.Archived != nil || e.CommitRef != nil
}

// PatchStore manages patches.
type PatchStore interface {
	// CreatePatch inserts a patch (sets p.ID) with its tag counts; ErrConflict
	// when the message id already exists in the project.
	CreatePatch(ctx context.Context, p *Patch, tags TagCounts) error
	GetPatch(ctx context.Context, id int64) (*Patch, error)
	GetPatchByMsgID(ctx context.Context, projectID int64, msgid string) (*Patch, error)
	// MsgIDOwners tells, for each of msgids the project holds, its patch,
	// cover and newest comment (an archive import learns a batch's
	// duplicates and its replies' parents at once).
	MsgIDOwners(ctx context.Context, projectID int64, msgids []string) (map[string]MsgIDOwner, error)
	// FindPatchesByMsgID looks in every project (Depends-on, web links).
	FindPatchesByMsgID(ctx context.Context, msgid string) ([]Patch, error)
	// GetPatchesByHash returns the project's patches with that hash, newest first.
	GetPatchesByHash(ctx context.Context, projectID int64, hash string) ([]Patch, error)
	// GetPatchRows fetches list rows by id, in the order of ids.
	GetPatchRows(ctx context.Context, ids []int64) ([]PatchRow, error)
	// ListPatches returns one page of rows. It must stay fast on a project
	// with millions of patches (keyset paging, covering indexes).
	ListPatches(ctx context.Context, q PatchQuery) ([]PatchRow, error)
	// CountPatches counts what ListPatches would return without paging
	// (Limit, Offset); a cursor (After, Before) counts the rows on its side.
	CountPatches(ctx context.Context, q PatchQuery) (int, error)
	// CountByState counts a project's patches per state id.
	CountByState(ctx context.Context, projectID int64, archived *bool) (map[int64]int, error)
	// UpdatePatch applies u in one transaction and records the events
	// (patch-state-changed, patch-delegated) with actorID (0: system), and
	// queues a notification when the state changes in a project that sends
	// them. It returns the patch as it is afterwards.
	UpdatePatch(ctx context.Context, id int64, u PatchUpdate, actorID int64) (*Patch, error)
	// SetRelated puts the patches in one relation (replacing theirs), or
	// takes them out of any relation when ids has one element; records
	// patch-relation-changed, with actorID on ids[0]'s event only (the
	// patch edited), written last.
	SetRelated(ctx context.Context, ids []int64, actorID int64) error
	// RelatedPatches returns the other patches in the patch's relation.
	RelatedPatches(ctx context.Context, patchID int64) ([]PatchRow, error)
	// GetTagCounts returns a patch's tag counts.
	GetTagCounts(ctx context.Context, patchID int64) (TagCounts, error)
	// AddTagCounts adds to a patch's counts (a comment with Acked-by...).
	AddTagCounts(ctx context.Context, patchID int64, tags TagCounts) error
	// AddTagCountsMany adds to the counts of many patches at once.
	AddTagCountsMany(ctx context.Context, counts map[int64]TagCounts) error
}

// CoverStore manages cover letters.
type CoverStore interface {
	CreateCover(ctx context.Context, c *Cover) error // ErrConflict on duplicate msgid in the project
	GetCover(ctx context.Context, id int64) (*Cover, error)
	GetCoverByMsgID(ctx context.Context, projectID int64, msgid string) (*Cover, error)
	FindCoversByMsgID(ctx context.Context, msgid string) ([]Cover, error)
	ListCovers(ctx context.Context, q CoverQuery) ([]Cover, error)
	// CountCoversNamed counts the covers of every project named exactly
	// name (byte for byte).
	CountCoversNamed(ctx context.Context, name string) (int, error)
	CountCovers(ctx context.Context, q CoverQuery) (int, error) // ListCovers without paging
}

// CommentStore manages replies.
type CommentStore interface {
	// CreateComment inserts (sets c.ID); ErrConflict on a duplicate msgid
	// under the same parent.
	CreateComment(ctx context.Context, c *Comment) error
	GetComment(ctx context.Context, id int64) (*Comment, error)
	// CommentByNumber finds the comment clients know by number (see
	// Comment.Number) under one patch or, when patchID is 0, one cover.
	CommentByNumber(ctx context.Context, patchID, coverID, number int64) (*Comment, error)
	// ResolveComment is the comment /comment/N/ names, as upstream
	// resolves it: the patch comment N, else the cover comment N.
	ResolveComment(ctx context.Context, number int64) (*Comment, error)
	ListComments(ctx context.Context, q CommentQuery) ([]Comment, error)
	// FindCommentParent returns the patch (or, when patchID is 0, the cover)
	// that a comment with that msgid in the project hangs off; the newest
	// comment wins. ErrNotFound when none.
	FindCommentParent(ctx context.Context, projectID int64, msgid string) (patchID, coverID int64, err error)
	SetAddressed(ctx context.Context, commentID int64, addressed *bool) error
}

// SeriesStore manages series, their references and dependencies.
type SeriesStore interface {
	CreateSeries(ctx context.Context, s *Series) error
	UpdateSeries(ctx context.Context, s *Series) error // name, version, total, cover, previous
	GetSeries(ctx context.Context, id int64) (*Series, error)
	// GetSeriesByIDs fetches many series at once (list pages), keyed by id;
	// unknown ids are left out.
	GetSeriesByIDs(ctx context.Context, ids []int64) (map[int64]Series, error)
	ListSeries(ctx context.Context, q SeriesQuery) ([]Series, error)
	// SeriesNamesOf lists the id and name of every series of the
	// submitters in the project (how an archive batch finds earlier
	// versions without reading whole rows).
	SeriesNamesOf(ctx context.Context, projectID int64, submitterIDs []int64) ([]SeriesName, error)
	CountSeries(ctx context.Context, q SeriesQuery) (int, error) // ListSeries without paging
	// SeriesPatches returns the series' patch rows ordered by number, then date, then id.
	SeriesPatches(ctx context.Context, seriesID int64) ([]PatchRow, error)
	// SeriesNumbers returns the patch numbers present in the series.
	SeriesNumbers(ctx context.Context, seriesID int64) ([]int, error)

	// AddSeriesReference records msgid → series unless that series already
	// has it (several series may share an id: a v2 threaded to the v1
	// cover); reports whether it was added.
	AddSeriesReference(ctx context.Context, projectID, seriesID int64, msgid string) (bool, error)
	// SeriesByReference finds the series that recorded msgid first,
	// ErrNotFound if none.
	SeriesByReference(ctx context.Context, projectID int64, msgid string) (*Series, error)
	// AddSeriesReferences is AddSeriesReference for several pairs in one
	// statement, recorded in the order given.
	AddSeriesReferences(ctx context.Context, projectID int64, refs []SeriesRef) error
	// SeriesRefsIn lists, per id, the ids of the series that recorded it,
	// in the order they recorded it (ids no series recorded are left out).
	SeriesRefsIn(ctx context.Context, projectID int64, msgids []string) (map[string][]int64, error)
	// SeriesByMarkers lists the project's series from that submitter with
	// that version and total dated within [from, to], newest first.
	SeriesByMarkers(ctx context.Context, projectID, submitterID int64, version, total int, from, to time.Time) ([]Series, error)

	AddSeriesDependency(ctx context.Context, seriesID, dependsOnID int64) error
	SeriesDependencies(ctx context.Context, seriesID int64) ([]int64, error) // ascending ids
	SeriesDependents(ctx context.Context, seriesID int64) ([]int64, error)   // ascending ids
	// SeriesVersions lists every version of the series' chain (v1 → v2 → ...)
	// oldest first, following PreviousID.
	SeriesVersions(ctx context.Context, seriesID int64) ([]Series, error)
}

// CheckStore manages CI checks.
type CheckStore interface {
	// CreateCheck inserts a check and records check-created.
	CreateCheck(ctx context.Context, c *Check) error
	GetCheck(ctx context.Context, id int64) (*Check, error)
	ListChecks(ctx context.Context, q CheckQuery) ([]Check, error)
	// UniqueChecks returns the newest check per (user, context) of a patch.
	UniqueChecks(ctx context.Context, patchID int64) ([]Check, error)
}

// BundleStore manages bundles.
type BundleStore interface {
	CreateBundle(ctx context.Context, b *Bundle) error // ErrConflict on duplicate (owner, name)
	UpdateBundle(ctx context.Context, b *Bundle) error
	DeleteBundle(ctx context.Context, id int64) error
	GetBundle(ctx context.Context, id int64) (*Bundle, error)
	GetBundleByName(ctx context.Context, ownerID int64, name string) (*Bundle, error)
	ListBundles(ctx context.Context, q BundleQuery) ([]Bundle, error)
	// BundlePatchIDs returns the patch ids in bundle order.
	BundlePatchIDs(ctx context.Context, bundleID int64) ([]int64, error)
	// SetBundlePatches replaces the bundle's patches with ids, in that order.
	SetBundlePatches(ctx context.Context, bundleID int64, ids []int64) error
	// AddBundlePatches appends the patches not already in the bundle.
	AddBundlePatches(ctx context.Context, bundleID int64, ids []int64) error
	RemoveBundlePatches(ctx context.Context, bundleID int64, ids []int64) error
}

// EventStore reads and writes the event log.
type EventStore interface {
	CreateEvent(ctx context.Context, e *Event) error
	// CreateEvents appends several events in order, in as few statements
	// as it can (ids are not set): a mail import records its events when
	// its transaction ends.
	CreateEvents(ctx context.Context, es []Event) error
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)
	CountEvents(ctx context.Context, q EventQuery) (int, error) // ListEvents without paging
	// LatestEventID is the newest event id (0 when none): TUI sessions poll
	// it to learn cheaply that something changed.
	LatestEventID(ctx context.Context) (int64, error)
	// EventProjectsSince maps each project with events newer than afterID
	// to its newest event id, so that sessions reload only pages of the
	// projects that changed.
	EventProjectsSince(ctx context.Context, afterID int64) (map[int64]int64, error)
}

// MailStore keeps failed mails and the notification queue.
type MailStore interface {
	SaveFailedMail(ctx context.Context, m *FailedMail) error
	ListFailedMails(ctx context.Context) ([]FailedMail, error)
	DeleteFailedMail(ctx context.Context, id int64) error

	// HoldMail keeps a reply whose parent has not arrived yet, with the ids
	// it references; false when the project already holds that msgid.
	HoldMail(ctx context.Context, m *HeldMail) (bool, error)
	// HeldMailsReferencing lists the project's held mails that reference
	// msgid, oldest first.
	HeldMailsReferencing(ctx context.Context, projectID int64, msgid string) ([]HeldMail, error)
	// HasHeldMails tells whether the project holds any mail.
	HasHeldMails(ctx context.Context, projectID int64) (bool, error)
	// ListHeldMails lists every held mail (projectID 0: of all projects),
	// oldest first.
	ListHeldMails(ctx context.Context, projectID int64) ([]HeldMail, error)
	DeleteHeldMail(ctx context.Context, id int64) error
	// ExpireHeldMails deletes held mails received before the cut-off (replies
	// in threads that never carried a patch wait forever otherwise) and
	// returns how many went.
	ExpireHeldMails(ctx context.Context, before time.Time) (int, error)

	// PendingNotifications lists queued notifications last modified before
	// the cut-off.
	PendingNotifications(ctx context.Context, before time.Time) ([]Notification, error)
	// DeleteNotifications removes sent notifications, but only those not
	// modified since they were read (a newer change stays queued).
	DeleteNotifications(ctx context.Context, sent []Notification) error
}

// WriteDeferrer is a Store, inside a transaction, that can hold back its
// inserts of mail rows until the transaction's next read or its commit, to
// send many at once. A held write's error then comes from a later call, so
// only a caller that redoes the whole transaction on any error may use it.
type WriteDeferrer interface {
	// DeferWrites starts holding writes back; expect is how many rows of
	// each kind the caller thinks it will insert (ids are taken for them
	// in advance: too many leaves gaps in the ids, too few costs round
	// trips).
	DeferWrites(expect RowCounts)
}

// LockReader is a Store, inside a transaction, that takes a project's lock
// and makes the reads mail in makes right after it, in one round trip where
// the database allows it (a mail arriving alone waits on every round trip
// of its transaction). The reads see what the lock's previous holder
// committed, as separate calls after LockProject would.
type LockReader interface {
	LockAndRead(ctx context.Context, q LockRead) (LockedReads, error)
}

// LockRead says what LockAndRead reads once it holds ProjectID's lock.
type LockRead struct {
	ProjectID int64
	Held      bool     // HasHeldMails
	MsgIDs    []string // MsgIDOwners and SeriesRefsIn of these
	Emails    []string // PeopleByEmails of these
	// SeriesOf asks for SeriesNamesOf the people of these addresses.
	SeriesOf []string
	// RefSeries asks for the series that recorded any of MsgIDs: their
	// rows (as GetSeriesByIDs) and patch numbers (as SeriesNumbers).
	RefSeries bool
}

// LockedReads are LockAndRead's answers, each as its own call gives it.
type LockedReads struct {
	Held        bool
	Owners      map[string]MsgIDOwner
	Refs        map[string][]int64
	People      map[string]Person
	SeriesNames []SeriesName
	Series      map[int64]Series
	Numbers     map[int64][]int // of every series in Series
}

// RowCounts counts mail rows by kind.
type RowCounts struct {
	Patches, Series, Covers, Comments, People int
}
