package mailin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// seriesWindow is how far apart unthreaded patches of one series may be
// dated (upstream's 20 minutes).
const seriesWindow = 20 * time.Minute

// group is where a patch goes: its series, whether this mail created it,
// and what the series held before the patch.
type group struct {
	series  *store.Series
	created bool
	numbers []int // patch numbers present before this patch
	count   int   // patches present before this patch
}

// seriesOfVersion is the first series that recorded msgid with version v.
// Several series may record one id (a v2 threaded to the v1 cover names
// it too, and may arrive first): the version keeps them apart, whatever
// the order of arrival.
func seriesOfVersion(ctx context.Context, mc *mailCtx, msgid string, v int) (*store.Series, error) {
	byRef, err := seriesByRefs(ctx, mc.tx, mc.ts, mc.proj.ID, []string{msgid})
	if err != nil {
		return nil, err
	}
	return firstOfVersion(byRef[msgid], v), nil
}

// firstOfVersion is the first of the series with version v, or nil.
func firstOfVersion(all []store.Series, v int) *store.Series {
	for k := range all {
		if all[k].Version == v {
			return &all[k]
		}
	}
	return nil
}

// seriesOfThread finds the series of a patch through its thread: the
// series that recorded its own id or its parent's with its version, else
// the series its parent belongs to whatever the version (a cover "v3"
// over unlabelled patches), else the series of a farther ancestor with its
// version. The version check is what keeps a v2 threaded to the v1 cover
// out of the v1 series, and the v1 mails out of the v2 series when the v2
// arrived first.
func (i *Ingester) seriesOfThread(ctx context.Context, mc *mailCtx) (*store.Series, error) {
	m, tx, pid, v := mc.m, mc.tx, mc.proj.ID, mc.sub.Version
	// Every id's series in one query: nothing below writes.
	byRef, err := seriesByRefs(ctx, tx, mc.ts, pid, append([]string{m.MsgID}, m.References...))
	if err != nil {
		return nil, err
	}
	mc.threadRefs = byRef
	near := []string{m.MsgID}
	if len(m.References) > 0 {
		near = append(near, m.References[0])
	}
	for _, id := range near {
		if s := firstOfVersion(byRef[id], v); s != nil {
			return s, nil
		}
	}
	if len(m.References) > 0 {
		parent := m.References[0]
		var sid int64
		if p, err := tx.GetPatchByMsgID(ctx, pid, parent); err == nil {
			sid = p.SeriesID
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		} else if c, err := tx.GetCoverByMsgID(ctx, pid, parent); err == nil {
			sid = c.SeriesID
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if sid != 0 {
			s, err := mc.ts.getSeries(ctx, tx, sid)
			if err != nil {
				return nil, fmt.Errorf("series %d: %w", sid, err)
			}
			return s, nil
		}
	}
	for _, id := range m.References[min(1, len(m.References)):] {
		if s := firstOfVersion(byRef[id], v); s != nil {
			return s, nil
		}
	}
	return nil, nil
}

// groupPatch finds or creates the series of a patch numbered x of n
// (spec §11.1).
func (i *Ingester) groupPatch(ctx context.Context, mc *mailCtx, author store.Person, x, n int) (group, error) {
	m, tx, pid := mc.m, mc.tx, mc.proj.ID
	var s *store.Series
	var nums []int
	if mc.sub.HasMarker {
		var err error
		if s, err = i.seriesOfThread(ctx, mc); err != nil {
			return group{}, err
		}
		// A threaded mail whose thread is not known yet arrived before
		// its cover or patch 1: the thread will bring it together, the
		// markers would pair it with whatever else its author sent then.
		if s == nil && len(m.References) == 0 {
			cands, err := tx.SeriesByMarkers(ctx, pid, author.ID, mc.sub.Version, n,
				m.Date.Add(-seriesWindow), m.Date.Add(seriesWindow))
			if err != nil {
				return group{}, err
			}
			if len(cands) == 1 {
				s = &cands[0]
			}
			for k := 0; len(cands) > 1 && k < len(cands); k++ {
				cn, err := seriesNumbers(ctx, tx, mc.ts, cands[k].ID)
				if err != nil {
					return group{}, err
				}
				if !slices.Contains(cn, x) {
					s, nums = &cands[k], cn
					break
				}
			}
		}
	}
	if s != nil && nums == nil {
		var err error
		if nums, err = seriesNumbers(ctx, tx, mc.ts, s.ID); err != nil {
			return group{}, err
		}
	}
	if s != nil && !slices.Contains(nums, x) {
		return group{series: s, numbers: nums, count: s.ReceivedTotal}, nil
	}
	s = &store.Series{ProjectID: pid, Date: m.Date, SubmitterID: author.ID, Version: mc.sub.Version, Total: n}
	if err := mc.ts.createSeries(ctx, tx, s); err != nil {
		return group{}, fmt.Errorf("create series for %s: %w", m.MsgID, err)
	}
	mc.ts.numbers[s.ID] = []int{}
	return group{series: s, created: true}, nil
}

// recordRefs records every id a member of s names, and its own, as
// references of s: whichever mail of the thread arrives later finds the
// series through any of them. A series of a higher version that names
// the same ids and has no previous version yet is the revision of s: it
// arrived first.
func (i *Ingester) recordRefs(ctx context.Context, mc *mailCtx, s *store.Series) error {
	ids := append([]string{mc.m.MsgID}, mc.m.References...)
	if err := addRefs(ctx, mc.tx, mc.ts, mc.proj.ID, s.ID, ids); err != nil {
		return err
	}
	// seriesOfThread read the same ids for this mail, and nothing since
	// changed another series; s is skipped below.
	byRef := mc.threadRefs
	if byRef == nil {
		var err error
		if byRef, err = seriesByRefs(ctx, mc.tx, mc.ts, mc.proj.ID, ids); err != nil {
			return err
		}
	}
	linked := map[int64]bool{} // read before this loop linked them
	for _, id := range ids {
		all := byRef[id]
		for k := range all {
			c := &all[k]
			if linked[c.ID] || c.ID == s.ID || c.PreviousID != 0 || c.Version <= s.Version {
				continue
			}
			c.PreviousID = s.ID
			linked[c.ID] = true
			if err := mc.ts.updateSeries(ctx, mc.tx, c); err != nil {
				return fmt.Errorf("link series %d to %d: %w", c.ID, s.ID, err)
			}
			if mc.proj.SupersedeOldVersions && c.ReceivedTotal >= c.Total {
				if err := i.supersede(ctx, mc, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// joinSeries records what a patch joining its series completes, names the
// series after patch 1 and links and supersedes versions (§11.1, §14).
func (i *Ingester) joinSeries(ctx context.Context, mc *mailCtx, g group, p *store.Patch) error {
	s, x := g.series, p.Number
	below := 0
	for _, n := range g.numbers {
		if n < x {
			below++
		}
	}
	if below == x-1 {
		if err := i.event(ctx, mc, store.Event{Category: store.EventPatchCompleted, PatchID: p.ID, SeriesID: s.ID}); err != nil {
			return err
		}
		if slices.Contains(g.numbers, x+1) {
			rows, err := mc.tx.SeriesPatches(ctx, s.ID)
			if err != nil {
				return fmt.Errorf("patches of series %d: %w", s.ID, err)
			}
			next := x + 1
			for _, r := range rows {
				if r.Number <= x || r.ID == p.ID {
					continue
				}
				if r.Number != next {
					break
				}
				if err := i.event(ctx, mc, store.Event{Category: store.EventPatchCompleted, PatchID: r.ID, SeriesID: s.ID}); err != nil {
					return err
				}
				next++
			}
		}
	}
	s.ReceivedTotal = g.count + 1
	complete := s.ReceivedTotal >= s.Total
	if complete {
		if err := i.event(ctx, mc, store.Event{Category: store.EventSeriesCompleted, SeriesID: s.ID}); err != nil {
			return err
		}
	}
	renamed := false
	if s.Name == "" && x == 1 {
		s.Name, renamed = p.Name, true
		if err := mc.ts.updateSeries(ctx, mc.tx, s); err != nil {
			return fmt.Errorf("name series %d: %w", s.ID, err)
		}
	}
	return i.afterNaming(ctx, mc, s, mc.m.References, renamed)
}

// afterNaming links a new version of a series to the one it revises and,
// where the project wants it, supersedes the older versions' patches once
// the new version is complete. This is not upstream behaviour (upstream
// links nothing); it only reads what upstream stores.
func (i *Ingester) afterNaming(ctx context.Context, mc *mailCtx, s *store.Series, refs []string, renamed bool) error {
	if renamed {
		if err := i.linkLaterVersion(ctx, mc, s); err != nil {
			return err
		}
	}
	if s.PreviousID == 0 && s.Version > 1 {
		prev, err := previousVersion(ctx, mc, s, refs)
		if err != nil {
			return err
		}
		if prev != 0 {
			s.PreviousID = prev
			if err := mc.ts.updateSeries(ctx, mc.tx, s); err != nil {
				return fmt.Errorf("link series %d to %d: %w", s.ID, prev, err)
			}
		}
	}
	if !mc.proj.SupersedeOldVersions || s.PreviousID == 0 || s.ReceivedTotal < s.Total {
		return nil
	}
	return i.supersede(ctx, mc, s)
}

// previousVersion finds the series s revises: one with a lower version
// that the mail threads to, else the newest lower version by the same
// submitter with the same name once prefixes are dropped.
func previousVersion(ctx context.Context, mc *mailCtx, s *store.Series, refs []string) (int64, error) {
	tx := mc.tx
	var best *store.Series
	consider := func(c *store.Series) {
		if c == nil || c.ID == s.ID || c.ProjectID != s.ProjectID || c.Version >= s.Version {
			return
		}
		if best == nil || c.Version > best.Version || (c.Version == best.Version && c.Date.After(best.Date)) {
			best = c
		}
	}
	byRef, err := seriesByRefs(ctx, tx, mc.ts, s.ProjectID, refs)
	if err != nil {
		return 0, err
	}
	for _, ref := range refs {
		all := byRef[ref]
		for k := range all {
			consider(&all[k])
		}
	}
	if best != nil {
		return best.ID, nil
	}
	base := baseName(s.Name)
	if base == "" {
		return 0, nil
	}
	cands, err := mc.ts.seriesNamed(ctx, tx, s.ProjectID, s.SubmitterID, base)
	if err != nil {
		return 0, fmt.Errorf("earlier versions of series %d: %w", s.ID, err)
	}
	for k := range cands {
		if strings.EqualFold(baseName(cands[k].Name), base) {
			consider(&cands[k])
		}
	}
	if best == nil {
		return 0, nil
	}
	return best.ID, nil
}

// linkLaterVersion links to s a higher version that arrived before it and
// names it only by its name (an unthreaded v2 delivered before v1; a
// threaded one is linked by recordRefs): the lowest such version not
// already linked to a version between the two.
func (i *Ingester) linkLaterVersion(ctx context.Context, mc *mailCtx, s *store.Series) error {
	base := baseName(s.Name)
	if base == "" {
		return nil
	}
	cands, err := mc.ts.seriesNamed(ctx, mc.tx, s.ProjectID, s.SubmitterID, base)
	if err != nil {
		return fmt.Errorf("later versions of series %d: %w", s.ID, err)
	}
	var best *store.Series
	for k := range cands {
		c := &cands[k]
		if c.ID == s.ID || c.Version <= s.Version || !strings.EqualFold(baseName(c.Name), base) {
			continue
		}
		if c.PreviousID == s.ID {
			return nil
		}
		if c.PreviousID != 0 {
			prev, err := mc.ts.getSeries(ctx, mc.tx, c.PreviousID)
			if err != nil {
				return fmt.Errorf("series %d: %w", c.PreviousID, err)
			}
			if prev.Version >= s.Version {
				continue
			}
		}
		if best == nil || c.Version < best.Version || (c.Version == best.Version && c.Date.Before(best.Date)) {
			best = c
		}
	}
	if best == nil {
		return nil
	}
	best.PreviousID = s.ID
	if err := mc.ts.updateSeries(ctx, mc.tx, best); err != nil {
		return fmt.Errorf("link series %d to %d: %w", best.ID, s.ID, err)
	}
	if mc.proj.SupersedeOldVersions && best.ReceivedTotal >= best.Total {
		return i.supersede(ctx, mc, best)
	}
	return nil
}

var versionSuffix = regexp.MustCompile(`\s*\([vV][0-9]+\)$`)

// baseName is a series name without its leading "[...]" groups and a
// trailing "(vN)", so that versions of one series compare equal.
func baseName(name string) string {
	name = pyStrip(name)
	for strings.HasPrefix(name, "[") {
		end := strings.IndexByte(name, ']')
		if end < 0 {
			break
		}
		name = strings.TrimLeftFunc(name[end+1:], isPySpace)
	}
	if !strings.HasSuffix(name, ")") { // the regexp's only possible end
		return name
	}
	return pyStrip(versionSuffix.ReplaceAllString(name, ""))
}

// supersede marks the patches of s's earlier versions Superseded when they
// still wait for action; accepted or rejected patches keep their state.
func (i *Ingester) supersede(ctx context.Context, mc *mailCtx, s *store.Series) error {
	// UpdatePatch records its own events: the queued ones go first.
	if err := flushEvents(ctx, mc.tx, mc.ts); err != nil {
		return err
	}
	states, err := i.loadStates(ctx, mc.tx)
	if err != nil {
		return err
	}
	var superseded store.State
	open := map[int64]bool{}
	for _, st := range states {
		if st.Slug == "superseded" {
			superseded = st
		}
		open[st.ID] = st.ActionRequired
	}
	if superseded.ID == 0 {
		return nil
	}
	seen := map[int64]bool{s.ID: true}
	for prev := s.PreviousID; prev != 0 && !seen[prev]; {
		seen[prev] = true
		rows, err := mc.tx.SeriesPatches(ctx, prev)
		if err != nil {
			return fmt.Errorf("patches of series %d: %w", prev, err)
		}
		for _, r := range rows {
			if !open[r.StateID] {
				continue
			}
			id := superseded.ID
			if _, err := mc.tx.UpdatePatch(ctx, r.ID, store.PatchUpdate{StateID: &id}, 0); err != nil {
				return fmt.Errorf("supersede patch %d: %w", r.ID, err)
			}
		}
		ps, err := mc.ts.getSeries(ctx, mc.tx, prev)
		if err != nil {
			return fmt.Errorf("series %d: %w", prev, err)
		}
		prev = ps.PreviousID
	}
	return nil
}

var dependsRe = regexp.MustCompile(`(?im)^Depends-on: *(?:(https?://[\w\-./=&@:%?+()]+)|(<[^>\n]+>))[ \t]*$`)

// addDependencies records the series named by Depends-on: lines (§11.5):
// URL forms first, then message ids; other projects and s itself are
// ignored.
func (i *Ingester) addDependencies(ctx context.Context, mc *mailCtx, s *store.Series, content string) error {
	if s == nil || !strings.Contains(strings.ToLower(content), "depends-on:") {
		return nil
	}
	matches := dependsRe.FindAllStringSubmatch(content, -1)
	var ids []int64
	for _, mt := range matches {
		if mt[1] == "" {
			continue
		}
		id, err := seriesOfURL(ctx, mc.tx, mt[1])
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, mt := range matches {
		if mt[2] == "" {
			continue
		}
		id, err := seriesOfMsgID(ctx, mc.tx, mt[2])
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if id == 0 || id == s.ID {
			continue
		}
		dep, err := mc.ts.getSeries(ctx, mc.tx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if dep.ProjectID != s.ProjectID {
			continue
		}
		if err := mc.tx.AddSeriesDependency(ctx, s.ID, id); err != nil {
			return err
		}
	}
	return nil
}

var (
	seriesListPath = regexp.MustCompile(`^/project/[^/]+/list/?$`)
	patchPath      = regexp.MustCompile(`^/project/[^/]+/patch/([^/]+)/?$`)
)

// seriesOfURL reads a patch-list URL (?series=N) or a patch URL.
func seriesOfURL(ctx context.Context, tx store.Store, raw string) (int64, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, nil
	}
	if seriesListPath.MatchString(u.Path) {
		v, ok := u.Query()["series"]
		if !ok || len(v) == 0 {
			return 0, nil
		}
		id, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil {
			return 0, nil
		}
		return id, nil
	}
	m := patchPath.FindStringSubmatch(u.EscapedPath())
	if m == nil {
		return 0, nil
	}
	seg, err := url.PathUnescape(m[1])
	if err != nil {
		return 0, nil
	}
	ps, err := tx.FindPatchesByMsgID(ctx, "<"+strings.ReplaceAll(seg, "%2F", "/")+">")
	if err != nil {
		return 0, err
	}
	if len(ps) == 0 {
		return 0, nil
	}
	return ps[0].SeriesID, nil
}

// seriesOfMsgID is the series of the patch, else the cover, with that id.
func seriesOfMsgID(ctx context.Context, tx store.Store, msgid string) (int64, error) {
	ps, err := tx.FindPatchesByMsgID(ctx, msgid)
	if err != nil {
		return 0, err
	}
	if len(ps) > 0 {
		return ps[0].SeriesID, nil
	}
	cs, err := tx.FindCoversByMsgID(ctx, msgid)
	if err != nil {
		return 0, err
	}
	if len(cs) > 0 {
		return cs[0].SeriesID, nil
	}
	return 0, nil
}
