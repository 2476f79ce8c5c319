package mbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/patchwork-go/patchwork/store"
)

// Writer writes mbox downloads from a store. The zero value is not usable:
// set Store.
type Writer struct {
	Store store.Store
	// CoverTrailers adds the trailers of the replies to a series' cover
	// letter (a Reviewed-by for the whole series) to every patch of the
	// series, as b4 does (upstream issue #113). Off, the bytes are
	// upstream's.
	CoverTrailers bool
}

// lookups caches what several messages of one download share.
type lookups struct {
	s        store.Store
	projects map[int64]*store.Project
	people   map[int64]*store.Person
	users    map[int64]*store.User
}

func newLookups(s store.Store) *lookups {
	return &lookups{s: s, projects: map[int64]*store.Project{}, people: map[int64]*store.Person{}, users: map[int64]*store.User{}}
}

func (l *lookups) project(ctx context.Context, id int64) (*store.Project, error) {
	if p, ok := l.projects[id]; ok {
		return p, nil
	}
	p, err := l.s.GetProject(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get project %d: %w", id, err)
	}
	l.projects[id] = p
	return p, nil
}

func (l *lookups) person(ctx context.Context, id int64) (*store.Person, error) {
	if p, ok := l.people[id]; ok {
		return p, nil
	}
	p, err := l.s.GetPerson(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, err)
	}
	l.people[id] = p
	return p, nil
}

func (l *lookups) user(ctx context.Context, id int64) (*store.User, error) {
	if u, ok := l.users[id]; ok {
		return u, nil
	}
	u, err := l.s.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	l.users[id] = u
	return u, nil
}

func (l *lookups) comments(ctx context.Context, q store.CommentQuery) ([]string, error) {
	q.Order = "date"
	cs, err := l.s.ListComments(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Content
	}
	return out, nil
}

// patchMessage builds the Message of a patch.
func (l *lookups) patchMessage(ctx context.Context, p *store.Patch) (*Message, error) {
	proj, err := l.project(ctx, p.ProjectID)
	if err != nil {
		return nil, err
	}
	sub, err := l.person(ctx, p.SubmitterID)
	if err != nil {
		return nil, err
	}
	m := &Message{
		ID: p.ID, Date: p.Date, SubmitterName: sub.Name, SubmitterMail: sub.Email,
		ListEmail: proj.ListEmail, Headers: p.Headers, Content: p.Content, Diff: p.Diff,
	}
	if p.DelegateID != 0 {
		// A delegate account that went away must not break downloads.
		u, err := l.user(ctx, p.DelegateID)
		switch {
		case err == nil:
			m.DelegateMail = u.Email
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	if m.Comments, err = l.comments(ctx, store.CommentQuery{PatchID: p.ID}); err != nil {
		return nil, fmt.Errorf("patch %d: %w", p.ID, err)
	}
	return m, nil
}

// Patch writes one patch's mbox (web `…/patch/<msgid>/mbox/`, XML-RPC
// patch_get_mbox).
func (w Writer) Patch(ctx context.Context, out io.Writer, patchID int64) error {
	p, err := w.Store.GetPatch(ctx, patchID)
	if err != nil {
		return fmt.Errorf("mbox of patch %d: %w", patchID, err)
	}
	m, err := newLookups(w.Store).patchMessage(ctx, p)
	if err != nil {
		return fmt.Errorf("mbox of patch %d: %w", patchID, err)
	}
	return Encode(out, m)
}

// PatchWithDeps writes a patch with its dependencies, the `?series=` download
// of spec web.md §3: series "" is the patch alone; "*" or the decimal id of
// the patch's series is every patch of that series with a lower number,
// ascending, then the patch. Any other value, a series id that is not the
// patch's, or a patch without series is an error wrapping store.ErrNotFound.
func (w Writer) PatchWithDeps(ctx context.Context, out io.Writer, patchID int64, series string) error {
	if series == "" {
		return w.Patch(ctx, out, patchID)
	}
	p, err := w.Store.GetPatch(ctx, patchID)
	if err != nil {
		return fmt.Errorf("mbox of patch %d: %w", patchID, err)
	}
	if p.SeriesID == 0 {
		return fmt.Errorf("mbox of patch %d with series %q: patch has no series: %w", patchID, series, store.ErrNotFound)
	}
	if series != "*" {
		id, err := strconv.ParseInt(series, 10, 64)
		if err != nil || id != p.SeriesID || !isDecimal(series) {
			return fmt.Errorf("mbox of patch %d with series %q: not the patch's series: %w", patchID, series, store.ErrNotFound)
		}
	}
	rows, err := w.Store.SeriesPatches(ctx, p.SeriesID)
	if err != nil {
		return fmt.Errorf("mbox of patch %d: series %d: %w", patchID, p.SeriesID, err)
	}
	ids := make([]int64, 0, len(rows)+1)
	for _, r := range rows {
		if r.Number < p.Number && r.ID != p.ID {
			ids = append(ids, r.ID)
		}
	}
	ids = append(ids, p.ID)
	return w.patches(ctx, out, ids)
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// patches writes the patches with those ids, joined with "\n"; extra are
// more comment contents whose trailers every patch gets.
func (w Writer) patches(ctx context.Context, out io.Writer, ids []int64, extra ...string) error {
	l := newLookups(w.Store)
	var buf bytes.Buffer
	for i, id := range ids {
		p, err := w.Store.GetPatch(ctx, id)
		if err != nil {
			return fmt.Errorf("mbox of patch %d: %w", id, err)
		}
		m, err := l.patchMessage(ctx, p)
		if err != nil {
			return fmt.Errorf("mbox of patch %d: %w", id, err)
		}
		m.Comments = append(m.Comments, extra...)
		if i > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(m.String())
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// Cover writes one cover letter's mbox; its trailers come from the cover's
// comments.
func (w Writer) Cover(ctx context.Context, out io.Writer, coverID int64) error {
	c, err := w.Store.GetCover(ctx, coverID)
	if err != nil {
		return fmt.Errorf("mbox of cover %d: %w", coverID, err)
	}
	l := newLookups(w.Store)
	proj, err := l.project(ctx, c.ProjectID)
	if err != nil {
		return fmt.Errorf("mbox of cover %d: %w", coverID, err)
	}
	sub, err := l.person(ctx, c.SubmitterID)
	if err != nil {
		return fmt.Errorf("mbox of cover %d: %w", coverID, err)
	}
	m := &Message{
		ID: c.ID, Date: c.Date, SubmitterName: sub.Name, SubmitterMail: sub.Email,
		ListEmail: proj.ListEmail, Headers: c.Headers, Content: c.Content,
	}
	if m.Comments, err = l.comments(ctx, store.CommentQuery{CoverID: c.ID}); err != nil {
		return fmt.Errorf("mbox of cover %d: %w", coverID, err)
	}
	return Encode(out, m)
}

// Series writes a series' patches ordered by number, joined with "\n"; the
// cover letter is not included and a series without patches is empty.
func (w Writer) Series(ctx context.Context, out io.Writer, seriesID int64) error {
	sr, err := w.Store.GetSeries(ctx, seriesID)
	if err != nil {
		return fmt.Errorf("mbox of series %d: %w", seriesID, err)
	}
	var extra []string
	if w.CoverTrailers && sr.CoverID != 0 {
		if extra, err = newLookups(w.Store).comments(ctx, store.CommentQuery{CoverID: sr.CoverID}); err != nil {
			return fmt.Errorf("mbox of series %d: %w", seriesID, err)
		}
	}
	rows, err := w.Store.SeriesPatches(ctx, seriesID)
	if err != nil {
		return fmt.Errorf("mbox of series %d: %w", seriesID, err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return w.patches(ctx, out, ids, extra...)
}

// Bundle writes a bundle's patches in bundle order, joined with "\n".
// Visibility (public or the requester's own) is the caller's job.
func (w Writer) Bundle(ctx context.Context, out io.Writer, bundleID int64) error {
	if _, err := w.Store.GetBundle(ctx, bundleID); err != nil {
		return fmt.Errorf("mbox of bundle %d: %w", bundleID, err)
	}
	ids, err := w.Store.BundlePatchIDs(ctx, bundleID)
	if err != nil {
		return fmt.Errorf("mbox of bundle %d: %w", bundleID, err)
	}
	return w.patches(ctx, out, ids)
}

// WritePatch is Writer{Store: s}.Patch.
func WritePatch(ctx context.Context, out io.Writer, s store.Store, patchID int64) error {
	return Writer{Store: s}.Patch(ctx, out, patchID)
}

// WriteCover is Writer{Store: s}.Cover.
func WriteCover(ctx context.Context, out io.Writer, s store.Store, coverID int64) error {
	return Writer{Store: s}.Cover(ctx, out, coverID)
}

// WriteSeries is Writer{Store: s}.Series.
func WriteSeries(ctx context.Context, out io.Writer, s store.Store, seriesID int64) error {
	return Writer{Store: s}.Series(ctx, out, seriesID)
}

// WriteBundle is Writer{Store: s}.Bundle.
func WriteBundle(ctx context.Context, out io.Writer, s store.Store, bundleID int64) error {
	return Writer{Store: s}.Bundle(ctx, out, bundleID)
}

// PatchString returns one patch's mbox as a string (XML-RPC patch_get_mbox).
func PatchString(ctx context.Context, s store.Store, patchID int64) (string, error) {
	var b bytes.Buffer
	if err := (Writer{Store: s}).Patch(ctx, &b, patchID); err != nil {
		return "", err
	}
	return b.String(), nil
}

// IsNotFound reports whether err means the object (or the requested series
// relation) does not exist; front ends answer 404, ” or {} for it.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
