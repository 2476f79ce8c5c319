package mailin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Ingester stores parsed mail. It caches what rarely changes (projects,
// states, tags, delegation rules, people) for its lifetime, so that an
// archive import does not re-read them per mail; a short-lived parsemail
// process builds a fresh one.
type Ingester struct {
	s   store.Store
	log *slog.Logger
	now func() time.Time
	// maxBytes bounds a mail (DefaultMaxMailBytes unless set).
	maxBytes int64

	mu         sync.Mutex
	projList   []store.Project
	projLoaded bool
	states     []store.State
	tags       []store.Tag
	tagRes     []tagPattern
	rules      map[int64]ruleSet
	people     map[string]store.Person // by lower-cased e-mail
	subjectRes map[string]*regexp.Regexp
}

type ruleSet struct {
	rules []store.DelegationRule
	res   []*regexp.Regexp
}

// NewIngester returns an Ingester writing to s.
func NewIngester(s store.Store, logger *slog.Logger) *Ingester {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Ingester{
		s: s, log: logger, now: time.Now, maxBytes: DefaultMaxMailBytes,
		rules:      map[int64]ruleSet{},
		people:     map[string]store.Person{},
		subjectRes: map[string]*regexp.Regexp{},
	}
}

// DefaultMaxMailBytes is the largest mail taken in unless configured
// otherwise (max_mail_bytes): list mail is rarely over a few MiB, and a
// patch of more is unreadable and costly in every view.
const DefaultMaxMailBytes = 25 << 20

// SetMaxMailBytes sets the largest mail taken in (n <= 0: no limit);
// larger ones are refused, and kept as failed mail by Deliver.
func (i *Ingester) SetMaxMailBytes(n int64) { i.maxBytes = n }

// parse is Parse under the size limit.
func (i *Ingester) parse(raw []byte) (*Mail, error) {
	if i.maxBytes > 0 && int64(len(raw)) > i.maxBytes {
		return nil, fmt.Errorf("%w: the mail is %d bytes, more than max_mail_bytes (%d)", ErrTooLarge, len(raw), i.maxBytes)
	}
	return Parse(raw)
}

// ErrTooLarge refuses a mail over the size limit (SetMaxMailBytes).
var ErrTooLarge = fmt.Errorf("%w: too large", ErrRejected)

// SetClock replaces the clock used for event dates and fallback mail dates
// (tests).
func (i *Ingester) SetClock(now func() time.Time) { i.now = now }

// ResetCache forgets cached projects, rules and people (after an admin
// change, or a rolled-back transaction).
func (i *Ingester) ResetCache() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.projLoaded = false
	i.projList = nil
	i.states = nil
	i.tags = nil
	i.tagRes = nil
	i.rules = map[int64]ruleSet{}
	i.people = map[string]store.Person{}
}

func (i *Ingester) projects(ctx context.Context) ([]store.Project, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.projLoaded {
		return i.projList, nil
	}
	ps, err := i.s.ListProjects(ctx)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].LinkName < ps[b].LinkName })
	i.projList, i.projLoaded = ps, true
	return ps, nil
}

func (i *Ingester) loadStates(ctx context.Context, tx store.Store) ([]store.State, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.states != nil {
		return i.states, nil
	}
	st, err := tx.ListStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	i.states = st
	return st, nil
}

func (i *Ingester) loadTags(ctx context.Context, tx store.Store) ([]store.Tag, []tagPattern, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.tags != nil {
		return i.tags, i.tagRes, nil
	}
	tags, err := tx.ListTags(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list tags: %w", err)
	}
	res := make([]tagPattern, len(tags))
	for k, t := range tags {
		p, err := compileTag(t.Pattern)
		if err != nil {
			i.log.Warn("tag pattern does not compile", "tag", t.Name, "err", err)
			continue
		}
		res[k] = p
	}
	if tags == nil {
		tags = []store.Tag{}
	}
	i.tags, i.tagRes = tags, res
	return tags, res, nil
}

func (i *Ingester) loadRules(ctx context.Context, tx store.Store, projectID int64) (ruleSet, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if rs, ok := i.rules[projectID]; ok {
		return rs, nil
	}
	rules, err := tx.ListDelegationRules(ctx, projectID)
	if err != nil {
		return ruleSet{}, fmt.Errorf("delegation rules of project %d: %w", projectID, err)
	}
	sort.SliceStable(rules, func(a, b int) bool {
		if rules[a].Priority != rules[b].Priority {
			return rules[a].Priority > rules[b].Priority
		}
		return rules[a].Path < rules[b].Path
	})
	rs := ruleSet{rules: rules, res: make([]*regexp.Regexp, len(rules))}
	for k, r := range rules {
		re, err := globRe(r.Path)
		if err != nil {
			i.log.Warn("delegation rule does not compile", "path", r.Path, "err", err)
			continue
		}
		rs.res[k] = re
	}
	i.rules[projectID] = rs
	return rs, nil
}

// txState carries what one transaction learned; it is merged into the
// caches only when the transaction commits.
type txState struct {
	people map[string]store.Person
	// locked holds the projects this transaction has locked: an archive
	// batch takes each project's lock once, not once per mail.
	locked map[int64]bool
	// events wait for the end of the transaction and go in one statement
	// per hundred (an import records two or three per mail; one statement
	// each was a sixth of an import's round trips on PostgreSQL).
	events []store.Event
	// mayHold tells, per locked project, whether it may hold replies:
	// false when it held none when locked and none was held since. Mails
	// are held only under the project lock, so nobody else can add one.
	mayHold map[int64]bool
	// batch is the message ids of an archive batch, known before its
	// mails are stored; owners what each project holds under them and
	// their references (owners.go).
	batch  []string
	owners map[int64]msgOwners
	// numbers are the patch numbers of the series this transaction read
	// or created, kept up to date as its patches join them.
	numbers map[int64][]int
	// tags are the tag counts found in this transaction's patches and
	// comments, added to the patches' counts when it ends: nothing reads
	// them before, and one statement per patch was a tenth of an import's
	// round trips.
	tags map[int64]store.TagCounts
	// refs are the series references per project (refs.go); series the
	// series rows read or written (seriescache.go).
	refs   map[int64]*seriesRefs
	series map[int64]store.Series
	names  map[int64]*seriesNames // seriesnames.go
	// mails are an archive batch's mails: when a project is locked, the
	// references of their ids and the people of their senders are read at
	// once. newPeople are the addresses that had no person then.
	mails     []*Mail
	newPeople map[string]bool
	// createdPeople are the people this transaction created.
	createdPeople map[int64]bool
	// subjects are the mails' subjects as each project parses them:
	// locking a project reads those of the whole batch, and its mails
	// need them again.
	subjects map[int64]map[*Mail]Subject
	// placed are the held replies the current mail placed (or refused as
	// failed mail) along with itself: Result.Placed.
	placed []Result
}

// subject is ParseSubject of m's subject for proj, parsed once.
func (ts *txState) subject(proj *store.Project, m *Mail) Subject {
	byMail := ts.subjects[proj.ID]
	if byMail == nil {
		byMail = map[*Mail]Subject{}
		ts.subjects[proj.ID] = byMail
	}
	sub, ok := byMail[m]
	if !ok {
		sub = ParseSubject(m.RawSubject, proj.LinkName)
		byMail[m] = sub
	}
	return sub
}

// newTxState starts the state of one transaction; batch lists the message
// ids an archive batch will store (nil for one mail).
func newTxState(batch []string) *txState {
	return &txState{people: map[string]store.Person{}, locked: map[int64]bool{},
		mayHold: map[int64]bool{}, batch: batch, owners: map[int64]msgOwners{}, numbers: map[int64][]int{},
		tags: map[int64]store.TagCounts{}, refs: map[int64]*seriesRefs{}, newPeople: map[string]bool{},
		series: map[int64]store.Series{}, names: map[int64]*seriesNames{}, createdPeople: map[int64]bool{},
		subjects: map[int64]map[*Mail]Subject{}}
}

// seriesNumbers is tx.SeriesNumbers, read once per transaction.
func seriesNumbers(ctx context.Context, tx store.Store, ts *txState, seriesID int64) ([]int, error) {
	if nums, ok := ts.numbers[seriesID]; ok {
		return slices.Clone(nums), nil
	}
	nums, err := tx.SeriesNumbers(ctx, seriesID)
	if err != nil {
		return nil, err
	}
	ts.numbers[seriesID] = slices.Clone(nums)
	return nums, nil
}

// addTags queues tag counts to add to a patch's.
func (ts *txState) addTags(patchID int64, tags store.TagCounts) {
	if len(tags) == 0 {
		return
	}
	sum := ts.tags[patchID]
	if sum == nil {
		sum = store.TagCounts{}
		ts.tags[patchID] = sum
	}
	for tag, n := range tags {
		sum[tag] += n
	}
}

// joined records that a patch numbered x joined the series.
func (ts *txState) joined(seriesID int64, x int) {
	nums, ok := ts.numbers[seriesID]
	if !ok {
		return
	}
	if k, found := slices.BinarySearch(nums, x); !found {
		ts.numbers[seriesID] = slices.Insert(nums, k, x)
	}
}

// inTx runs fn in a transaction and writes what it queued (events, series
// references, tag counts) before the transaction commits.
func (i *Ingester) inTx(ctx context.Context, ts *txState, fn func(tx store.Store) error) error {
	return i.s.InTx(ctx, func(tx store.Store) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := flushEvents(ctx, tx, ts); err != nil {
			return err
		}
		if err := flushRefs(ctx, tx, ts); err != nil {
			return err
		}
		if len(ts.tags) > 0 {
			if err := tx.AddTagCountsMany(ctx, ts.tags); err != nil {
				return fmt.Errorf("tag counts: %w", err)
			}
			clear(ts.tags)
		}
		return nil
	})
}

// flushEvents writes the queued events; also called before a store call
// that records events of its own, so that the log keeps their order.
func flushEvents(ctx context.Context, tx store.Store, ts *txState) error {
	if len(ts.events) == 0 {
		return nil
	}
	if err := tx.CreateEvents(ctx, ts.events); err != nil {
		return err
	}
	ts.events = ts.events[:0]
	return nil
}

// lockProject takes the project's lock once per transaction and learns
// what the batch needs to know about the project: in the same round trip
// as the lock where the store can (store.LockReader), since a mail that
// comes alone waits on each of its transaction's round trips.
func (i *Ingester) lockProject(ctx context.Context, tx store.Store, ts *txState, proj *store.Project) error {
	projectID := proj.ID
	if ts.locked[projectID] {
		return nil
	}
	if ts.batch == nil {
		if err := tx.LockProject(ctx, projectID); err != nil {
			return err
		}
		ts.locked[projectID] = true
		ts.mayHold[projectID] = true // one mail: asking costs what placing does
		return nil
	}
	var refs, emails []string
	for _, m := range ts.mails {
		if m.MsgID != "" {
			refs = append(refs, m.MsgID)
		}
		refs = append(refs, m.References...)
		if s, err := m.Sender(proj.ListEmail); err == nil {
			emails = append(emails, s.Email)
		}
	}
	unknown := i.unknownPeople(ts, emails)
	first := len(ts.names) == 0 // the first project this transaction locks
	names := ts.newSeriesNames(proj)
	var read store.LockedReads
	if lr, ok := tx.(store.LockReader); ok {
		q := store.LockRead{ProjectID: projectID, Held: true, MsgIDs: refs, Emails: unknown, RefSeries: true}
		if len(names.bases) > 0 {
			q.SeriesOf = emails
		}
		var err error
		if read, err = lr.LockAndRead(ctx, q); err != nil {
			return err
		}
		ts.locked[projectID] = true
	} else {
		if err := tx.LockProject(ctx, projectID); err != nil {
			return err
		}
		ts.locked[projectID] = true
		var err error
		if read.Held, err = tx.HasHeldMails(ctx, projectID); err != nil {
			return err
		}
		if read.Owners, err = tx.MsgIDOwners(ctx, projectID, refs); err != nil {
			return err
		}
		if read.Refs, err = tx.SeriesRefsIn(ctx, projectID, refs); err != nil {
			return err
		}
		if len(unknown) > 0 {
			if read.People, err = tx.PeopleByEmails(ctx, unknown); err != nil {
				return err
			}
		}
	}
	ts.mayHold[projectID] = read.Held
	// The series the mails' threads name, as seriesByRefs and the patches
	// joining them would read them next (the lock keeps them as read).
	for id, x := range read.Series {
		if _, ok := ts.series[id]; !ok {
			ts.series[id] = x
		}
	}
	for id, nums := range read.Numbers {
		if _, ok := ts.numbers[id]; !ok {
			ts.numbers[id] = nums
		}
	}
	own := ownersOf(refs, read.Owners)
	ts.owners[projectID] = own
	ts.refsOf(projectID).takeStored(refs, read.Refs)
	ts.foundPeople(unknown, read.People)
	if d, ok := tx.(store.WriteDeferrer); ok && first {
		// Any error in the batch redoes it mail by mail, without deferral;
		// a mail alone too (the daemon's LMTP mails), whose writes then
		// travel in one round trip instead of one each.
		d.DeferWrites(ts.expectRows(proj, own))
	}
	var subs []int64
	i.mu.Lock()
	for _, e := range emails {
		key := strings.ToLower(e)
		if p, ok := ts.people[key]; ok {
			subs = append(subs, p.ID)
		} else if p, ok := i.people[key]; ok {
			subs = append(subs, p.ID)
		}
	}
	i.mu.Unlock()
	ts.know(proj, names, subs)
	if len(names.bases) == 0 || len(subs) == 0 {
		return nil
	}
	if _, ok := tx.(store.LockReader); !ok {
		var err error
		if read.SeriesNames, err = tx.SeriesNamesOf(ctx, projectID, subs); err != nil {
			return err
		}
	}
	return ts.seriesNamesRead(ctx, tx, names, read.SeriesNames)
}

// unknownPeople are the addresses neither the ingester nor the transaction
// knows a person of (nor knows to have none).
func (i *Ingester) unknownPeople(ts *txState, emails []string) []string {
	var unknown []string
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, e := range emails {
		key := strings.ToLower(e)
		if _, ok := ts.people[key]; ok || ts.newPeople[key] {
			continue
		}
		if _, ok := i.people[key]; !ok {
			unknown = append(unknown, e)
		}
	}
	return unknown
}

// foundPeople notes the people read for the unknown addresses; those
// without one are noted so that person creates them without looking first.
func (ts *txState) foundPeople(unknown []string, found map[string]store.Person) {
	for _, e := range unknown {
		key := strings.ToLower(e)
		if p, ok := found[strings.ToLower(strings.TrimSpace(e))]; ok {
			ts.people[key] = p
		} else {
			ts.newPeople[key] = true
		}
	}
}

func (i *Ingester) commit(ts *txState) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for k, p := range ts.people {
		i.people[k] = p
	}
}

// person finds or creates the sender and keeps the newest non-empty name
// (with keepName: the name it has, when it exists).
func (i *Ingester) person(ctx context.Context, tx store.Store, ts *txState, s Sender, keepName bool) (store.Person, error) {
	key := strings.ToLower(s.Email)
	p, ok := ts.people[key]
	if !ok {
		i.mu.Lock()
		p, ok = i.people[key]
		i.mu.Unlock()
	}
	if ok && (s.Name == "" || s.Name == p.Name || (keepName && p.Name != "")) {
		return p, nil
	}
	upsert := tx.UpsertPerson
	if ts.newPeople[key] {
		upsert = tx.InsertPerson
	}
	np, err := upsert(ctx, s.Email, s.Name, s.Name != "" && !keepName)
	if errors.Is(err, store.ErrNotFound) {
		// MySQL: another transaction created the person after ours took
		// its snapshot; a fresh transaction sees it.
		return store.Person{}, fmt.Errorf("person %s: %w: %w", s.Email, errRetry, err)
	}
	if err != nil {
		return store.Person{}, fmt.Errorf("person %s: %w", s.Email, err)
	}
	ts.people[key] = *np
	if ts.newPeople[key] {
		ts.createdPeople[np.ID] = true
	}
	delete(ts.newPeople, key)
	return *np, nil
}

// errRetry marks a transaction that may succeed when run again.
var errRetry = errors.New("transaction conflict")

// retryable recognises conflicts between concurrent transactions: deadlocks
// and serialisation failures, which the databases resolve by aborting one.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errRetry) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "deadlock") || strings.Contains(s, "could not serialize") ||
		strings.Contains(s, "lock wait timeout")
}

// errDuplicate rolls a transaction back when an insert finds the mail
// already stored.
var errDuplicate = errors.New("duplicate mail")

// Ingest parses and stores one mail. listID, when set, names the list the
// mail came from (parsemail --list-id); otherwise the mail's List-Id
// headers decide. Bad mail is reported as Rejected with a nil error; the
// error is for the store (wrapping store.ErrUnavailable when the database
// cannot be reached): the caller should retry later.
func (i *Ingester) Ingest(ctx context.Context, raw []byte, listID string) (Result, error) {
	m, err := i.parse(raw)
	if err != nil {
		return Result{Kind: Rejected, Reason: err.Error()}, nil
	}
	return i.IngestMail(ctx, m, listID)
}

// IngestMail stores an already parsed mail in its own transaction.
func (i *Ingester) IngestMail(ctx context.Context, m *Mail, listID string) (Result, error) {
	var res Result
	var ts *txState
	// The project list is read (once per Ingester) before the transaction
	// so that it does not open a second connection while the transaction
	// holds the first: one connection is all a parsemail process needs.
	if _, err := i.projects(ctx); err != nil {
		return Result{}, classifyErr(err)
	}
	var err error
	for attempt := 0; ; attempt++ {
		ts = newTxState(nil)
		err = i.inTx(ctx, ts, func(tx store.Store) error {
			var err error
			res, err = i.ingestTx(ctx, tx, ts, m, listID)
			return err
		})
		if attempt >= 3 || !retryable(err) {
			break
		}
	}
	if errors.Is(err, errDuplicate) {
		return Result{Kind: Duplicate, MsgID: m.MsgID, ProjectID: res.ProjectID}, nil
	}
	if err != nil {
		return Result{}, classifyErr(err)
	}
	i.commit(ts)
	return res, nil
}

// IngestBatch stores several mails in one transaction (archive import).
// When the transaction fails, it falls back to one transaction per mail so
// that one bad mail cannot hold the others back.
func (i *Ingester) IngestBatch(ctx context.Context, mails []*Mail, listID string) ([]Result, error) {
	results := make([]Result, len(mails))
	ids := make([]string, 0, len(mails))
	for _, m := range mails {
		if m.MsgID != "" {
			ids = append(ids, m.MsgID)
		}
	}
	ts := newTxState(ids)
	ts.mails = mails
	if _, err := i.projects(ctx); err != nil { // before the transaction, as in IngestMail
		return nil, classifyErr(err)
	}
	err := i.inTx(ctx, ts, func(tx store.Store) error {
		for k, m := range mails {
			r, err := i.ingestTx(ctx, tx, ts, m, listID)
			if err != nil {
				return err
			}
			results[k] = r
		}
		return nil
	})
	if err == nil {
		i.commit(ts)
		return results, nil
	}
	if isUnavailable(err) {
		return nil, classifyErr(err)
	}
	// Slower, and on PostgreSQL it leaves the ids the batch had taken
	// unused: say so.
	i.log.Info("batch failed, storing its mails one by one", "mails", len(mails), "err", err)
	for k, m := range mails {
		r, err := i.IngestMail(ctx, m, listID)
		if err != nil && !isUnavailable(err) && (errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict)) {
			// This mail's data is what the database refuses: keep it as a
			// bad mail rather than stop the whole import.
			r, err = Result{Kind: Rejected, MsgID: m.MsgID, Reason: err.Error()}, nil
		}
		if err != nil {
			return results[:k], err
		}
		results[k] = r
	}
	return results, nil
}

// classifyErr keeps store.ErrUnavailable visible to callers (parsemail's
// exit 75) and wraps everything else with context.
func classifyErr(err error) error {
	if isUnavailable(err) && !errors.Is(err, store.ErrUnavailable) {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return fmt.Errorf("ingest: %w", err)
}

// isUnavailable recognises a database that cannot be reached, also when a
// driver's error was not mapped to store.ErrUnavailable.
func isUnavailable(err error) bool {
	if errors.Is(err, store.ErrUnavailable) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	s := strings.ToLower(err.Error())
	for _, frag := range []string{"connection refused", "broken pipe", "connection reset", "bad connection", "no such host", "database is locked", "i/o timeout", "server closed", "too many connections", "the database system is"} {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

// ParsedBatch is a batch of raw mails parsed ahead of storing, so that an
// archive import can parse the next batch while this one is stored.
type ParsedBatch struct {
	Raws    [][]byte
	parsed  []*Mail
	results []Result // Rejected where a mail did not parse
}

// ParseBatch parses raw mails, spread over the cores (parsing is CPU-bound
// and independent per mail).
func ParseBatch(raws [][]byte) *ParsedBatch { return parseBatch(raws, Parse) }

// ParseBatch is ParseBatch under the ingester's size limit.
func (i *Ingester) ParseBatch(raws [][]byte) *ParsedBatch { return parseBatch(raws, i.parse) }

func parseBatch(raws [][]byte, parse func([]byte) (*Mail, error)) *ParsedBatch {
	b := &ParsedBatch{Raws: raws, parsed: make([]*Mail, len(raws)), results: make([]Result, len(raws))}
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(raws))
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(raws); k += workers {
				m, err := parse(raws[k])
				if err != nil {
					b.results[k] = Result{Kind: Rejected, Reason: err.Error()}
					continue
				}
				b.parsed[k] = m
			}
		})
	}
	wg.Wait()
	return b
}

// IngestParsed stores a parsed batch with IngestBatch; a mail that did not
// parse is Rejected in its place.
func (i *Ingester) IngestParsed(ctx context.Context, b *ParsedBatch, listID string) ([]Result, error) {
	results := slices.Clone(b.results)
	mails := make([]*Mail, 0, len(b.parsed))
	at := make([]int, 0, len(b.parsed))
	for k, m := range b.parsed {
		if m != nil {
			mails = append(mails, m)
			at = append(at, k)
		}
	}
	rs, err := i.IngestBatch(ctx, mails, listID)
	for k, r := range rs {
		results[at[k]] = r
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// IngestRawBatch parses raw mails and stores them with IngestBatch; a mail
// that does not parse is Rejected in its place.
func (i *Ingester) IngestRawBatch(ctx context.Context, raws [][]byte, listID string) ([]Result, error) {
	return i.IngestParsed(ctx, i.ParseBatch(raws), listID)
}
