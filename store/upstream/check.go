package upstream

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// The first pass reads only ids and references, so that bad data is found
// before anything is written: an import either stops with nothing written
// or writes every row it keeps.

type idSet map[int64]bool

// ref is one reference of a row: the id it names, the set that id must
// be in, and whether it may be empty.
type ref struct {
	what     string
	id       int64
	set      idSet
	nullable bool
}

// keep records a row of table as good (into set) unless one of its
// references is missing or skipped, which reports it as bad.
func (im *importer) keep(table string, id int64, set idSet, refs ...ref) bool {
	for _, r := range refs {
		if r.id == 0 {
			if r.nullable {
				continue
			}
			im.bad(table, id, "no "+r.what)
			return false
		}
		if !r.set[r.id] {
			im.bad(table, id, fmt.Sprintf("%s %d is missing or skipped", r.what, r.id))
			return false
		}
	}
	if set != nil {
		set[id] = true
	}
	return true
}

func (im *importer) bad(table string, id int64, reason string) {
	im.rep.Bad = append(im.rep.Bad, Bad{Table: table, ID: id, Reason: reason})
	if im.skipped[table] == nil {
		im.skipped[table] = idSet{}
	}
	im.skipped[table][id] = true
}

// person is the person a reference names once case duplicates are merged.
func (im *importer) person(id int64) int64 {
	if to, ok := im.personAlias[id]; ok {
		return to
	}
	return id
}

// check is the first pass over every table.
func (im *importer) check(ctx context.Context) error {
	s := im.src
	err := s.each(ctx, "states", "SELECT id, name, slug FROM patchwork_state", nil, func(r *sql.Rows) error {
		var id int64
		var name, slug string
		if err := r.Scan(&id, &name, &slug); err != nil {
			return err
		}
		if strings.TrimSpace(name) == "" || strings.TrimSpace(slug) == "" {
			im.bad("patchwork_state", id, fmt.Sprintf("state name %q or slug %q is empty", name, slug))
			return nil
		}
		im.states[id] = true
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.each(ctx, "tags", "SELECT id FROM patchwork_tag", nil, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		im.tags[id] = true
		return err
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "projects", "SELECT id, linkname FROM patchwork_project", nil, func(r *sql.Rows) error {
		var id int64
		var link string
		if err := r.Scan(&id, &link); err != nil {
			return err
		}
		if link == "" {
			im.bad("patchwork_project", id, "empty linkname")
			return nil
		}
		im.projects[id] = true
		return nil
	}); err != nil {
		return err
	}
	emails := map[string]int64{}
	if err := s.each(ctx, "users", "SELECT id, email, password FROM auth_user ORDER BY id", nil, func(r *sql.Rows) error {
		var id int64
		var email, pw string
		if err := r.Scan(&id, &email, &pw); err != nil {
			return err
		}
		key := strings.ToLower(strings.TrimSpace(email))
		if other, dup := emails[key]; dup {
			im.bad("auth_user", id, fmt.Sprintf("e-mail %q is user %d's too (ours are unique, case aside)", email, other))
			return nil
		}
		emails[key] = id
		if h := passwordOf(pw); h != "" && !store.DjangoHashKnown(h) {
			// The user stays, without password login.
			im.rep.Bad = append(im.rep.Bad, Bad{Table: "auth_user", ID: id, Reason: "unknown password hash format (imported without a password)"})
			im.noPassword[id] = true
		}
		im.users[id] = true
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "relations", "SELECT id FROM patchwork_patchrelation", nil, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		im.relations[id] = true
		return err
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "relation dates", `SELECT current_relation_id, MIN(date) FROM patchwork_event
		WHERE current_relation_id IS NOT NULL GROUP BY current_relation_id`, nil, func(r *sql.Rows) error {
		var id int64
		var t time.Time
		err := r.Scan(&id, tcol{&t})
		im.relationDates[id] = t
		return err
	}); err != nil {
		return err
	}
	people := map[string]int64{}
	if err := s.each(ctx, "people", "SELECT id, email, user_id FROM patchwork_person ORDER BY id", nil, func(r *sql.Rows) error {
		var id, user int64
		var email string
		if err := r.Scan(&id, &email, num{&user}); err != nil {
			return err
		}
		key := strings.ToLower(strings.TrimSpace(email))
		if other, dup := people[key]; dup {
			// Merged into the first: what they sent stays, under one person.
			im.bad("patchwork_person", id, fmt.Sprintf("e-mail %q differs only in case from person %d's (merged into it)", email, other))
			im.personAlias[id] = other
			return nil
		}
		if im.keep("patchwork_person", id, im.people, ref{"user", user, im.users, true}) {
			people[key] = id
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "covers", "SELECT id, project_id, submitter_id FROM patchwork_cover", nil, func(r *sql.Rows) error {
		var id, project, sub int64
		if err := r.Scan(&id, &project, &sub); err != nil {
			return err
		}
		im.keep("patchwork_cover", id, im.covers, ref{"project", project, im.projects, false}, ref{"person", im.person(sub), im.people, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "series", "SELECT id, project_id, submitter_id, cover_letter_id FROM patchwork_series", nil, func(r *sql.Rows) error {
		var id, project, sub, cover int64
		if err := r.Scan(&id, num{&project}, &sub, num{&cover}); err != nil {
			return err
		}
		if im.keep("patchwork_series", id, im.series, ref{"project", project, im.projects, false},
			ref{"person", im.person(sub), im.people, false}, ref{"cover", cover, im.covers, true}) && cover != 0 {
			im.coverSeries[cover] = id
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "series references", "SELECT id, series_id FROM patchwork_seriesreference", nil, func(r *sql.Rows) error {
		var id, series int64
		if err := r.Scan(&id, &series); err != nil {
			return err
		}
		im.keep("patchwork_seriesreference", id, nil, ref{"series", series, im.series, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "patches", `SELECT id, project_id, submitter_id, state_id, delegate_id, series_id, related_id
		FROM patchwork_patch`, nil, func(r *sql.Rows) error {
		var id, project, sub, state, delegate, series, related int64
		if err := r.Scan(&id, &project, &sub, num{&state}, num{&delegate}, num{&series}, num{&related}); err != nil {
			return err
		}
		im.keep("patchwork_patch", id, im.patches, ref{"project", project, im.projects, false},
			ref{"person", im.person(sub), im.people, false}, ref{"state", state, im.states, false},
			ref{"delegate", delegate, im.users, true}, ref{"series", series, im.series, true},
			ref{"relation", related, im.relations, true})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "patch tags", "SELECT id, patch_id, tag_id FROM patchwork_patchtag", nil, func(r *sql.Rows) error {
		var id, patch, tag int64
		if err := r.Scan(&id, &patch, &tag); err != nil {
			return err
		}
		im.keep("patchwork_patchtag", id, nil, ref{"patch", patch, im.patches, false}, ref{"tag", tag, im.tags, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "patch comments", "SELECT id, patch_id, submitter_id FROM patchwork_patchcomment", nil, func(r *sql.Rows) error {
		var id, patch, sub int64
		if err := r.Scan(&id, &patch, &sub); err != nil {
			return err
		}
		im.commentOffset = max(im.commentOffset, id)
		im.keep("patchwork_patchcomment", id, im.patchComments, ref{"patch", patch, im.patches, false}, ref{"person", im.person(sub), im.people, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "cover comments", "SELECT id, cover_id, submitter_id FROM patchwork_covercomment", nil, func(r *sql.Rows) error {
		var id, cover, sub int64
		if err := r.Scan(&id, &cover, &sub); err != nil {
			return err
		}
		im.keep("patchwork_covercomment", id, im.coverComments, ref{"cover", cover, im.covers, false}, ref{"person", im.person(sub), im.people, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "checks", "SELECT id, patch_id, user_id, state FROM patchwork_check", nil, func(r *sql.Rows) error {
		var id, patch, user, state int64
		if err := r.Scan(&id, &patch, &user, &state); err != nil {
			return err
		}
		if state < int64(store.CheckPending) || state > int64(store.CheckFail) {
			im.bad("patchwork_check", id, fmt.Sprintf("unknown check state %d", state))
			return nil
		}
		im.keep("patchwork_check", id, im.checks, ref{"patch", patch, im.patches, false}, ref{"user", user, im.users, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "bundles", "SELECT id, owner_id, project_id FROM patchwork_bundle", nil, func(r *sql.Rows) error {
		var id, owner, project int64
		if err := r.Scan(&id, &owner, &project); err != nil {
			return err
		}
		im.keep("patchwork_bundle", id, im.bundles, ref{"owner", owner, im.users, false}, ref{"project", project, im.projects, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "bundle patches", "SELECT id, bundle_id, patch_id FROM patchwork_bundlepatch", nil, func(r *sql.Rows) error {
		var id, bundle, patch int64
		if err := r.Scan(&id, &bundle, &patch); err != nil {
			return err
		}
		im.keep("patchwork_bundlepatch", id, nil, ref{"bundle", bundle, im.bundles, false}, ref{"patch", patch, im.patches, false})
		return nil
	}); err != nil {
		return err
	}
	if err := s.each(ctx, "delegation rules", "SELECT id, project_id, user_id FROM patchwork_delegationrule", nil, func(r *sql.Rows) error {
		var id, project, user int64
		if err := r.Scan(&id, &project, &user); err != nil {
			return err
		}
		im.keep("patchwork_delegationrule", id, nil, ref{"project", project, im.projects, false}, ref{"user", user, im.users, false})
		return nil
	}); err != nil {
		return err
	}
	categories := map[string]bool{}
	for _, c := range store.EventCategories {
		categories[c] = true
	}
	return s.each(ctx, "events", `SELECT id, category, project_id, actor_id, patch_id, series_id, cover_id,
		patch_comment_id, cover_comment_id, created_check_id, previous_state_id, current_state_id,
		previous_delegate_id, current_delegate_id, previous_relation_id, current_relation_id FROM patchwork_event`, nil, func(r *sql.Rows) error {
		var id, project, actor, patch, series, cover, pc, cc, check, ps, cs, pd, cd, pr, cr int64
		var cat string
		if err := r.Scan(&id, &cat, &project, num{&actor}, num{&patch}, num{&series}, num{&cover}, num{&pc}, num{&cc},
			num{&check}, num{&ps}, num{&cs}, num{&pd}, num{&cd}, num{&pr}, num{&cr}); err != nil {
			return err
		}
		if !categories[cat] {
			im.bad("patchwork_event", id, fmt.Sprintf("unknown category %q", cat))
			return nil
		}
		im.keep("patchwork_event", id, nil, ref{"project", project, im.projects, false}, ref{"actor", actor, im.users, true},
			ref{"patch", patch, im.patches, true}, ref{"series", series, im.series, true}, ref{"cover", cover, im.covers, true},
			ref{"patch comment", pc, im.patchComments, true}, ref{"cover comment", cc, im.coverComments, true},
			ref{"check", check, im.checks, true}, ref{"state", ps, im.states, true}, ref{"state", cs, im.states, true},
			ref{"delegate", pd, im.users, true}, ref{"delegate", cd, im.users, true},
			ref{"relation", pr, im.relations, true}, ref{"relation", cr, im.relations, true})
		return nil
	})
}

// passwordOf is the hash we keep of a Django password: none for an
// unusable one ("!...") or an empty one.
func passwordOf(pw string) string {
	if pw == "" || strings.HasPrefix(pw, "!") {
		return ""
	}
	return pw
}
