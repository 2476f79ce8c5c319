package upstream

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// write is the second pass. The small tables (states, tags, projects,
// users and what hangs off them) go in one transaction; the large ones in
// transactions of opt.Batch rows in id order, so that a resumed import
// finds where it stopped by the highest id written.
func (im *importer) write(ctx context.Context, resume bool) error {
	baseDone := false
	if resume {
		p, err := im.dst.ImportMaxID(ctx, "projects")
		if err != nil {
			return err
		}
		u, err := im.dst.ImportMaxID(ctx, "users")
		if err != nil {
			return err
		}
		baseDone = p > 0 || u > 0
	}
	if !baseDone {
		if err := im.dst.ImportTx(ctx, func(b *sqlstore.ImportBatch) error { return im.writeBase(ctx, b) }); err != nil {
			return fmt.Errorf("import projects, states, tags and users: %w", err)
		}
	}
	for _, k := range []struct {
		kind string
		read readFunc
	}{
		{"people", im.readPeople},
		// Series before covers: a cover's series is a foreign key, a
		// series' cover is not.
		{"series", im.readSeries},
		{"covers", im.readCovers},
		{"patches", im.readPatches},
		{"patch comments", im.readPatchComments},
		{"cover comments", im.readCoverComments},
		{"checks", im.readChecks},
		{"bundles", im.readBundles},
		{"events", im.readEvents},
	} {
		if err := im.writeKind(ctx, k.kind, k.read); err != nil {
			return err
		}
	}
	return nil
}

// readFunc reads the batch of a kind after an id from the source; it
// returns the last id read (0 when there were none) and what writes the
// batch.
type readFunc func(ctx context.Context, after int64) (last int64, write func(*sqlstore.ImportBatch) error, err error)

// writeKind writes one kind in batches, each in its own transaction. The
// source is read one batch ahead, while the previous batch is written:
// reading (decoding the source's rows) and writing (the target server's
// work) overlap instead of taking turns.
func (im *importer) writeKind(ctx context.Context, kind string, read readFunc) error {
	after, err := im.dst.ImportMaxID(ctx, kind)
	if err != nil {
		return err
	}
	type batch struct {
		after, last int64
		write       func(*sqlstore.ImportBatch) error
		err         error
	}
	ctx, cancel := context.WithCancel(ctx)
	next := make(chan batch, 1)
	done := make(chan struct{})
	// A failed write stops the reader, which is waited for: nothing reads
	// the source after the import returned.
	defer func() {
		cancel()
		<-done
	}()
	go func() {
		defer close(done)
		defer close(next)
		for {
			last, write, err := read(ctx, after)
			select {
			case next <- batch{after: after, last: last, write: write, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || last == 0 {
				return
			}
			after = last
		}
	}()
	for b := range next {
		if b.err == nil {
			b.err = im.dst.ImportTx(ctx, b.write)
		}
		if b.err != nil {
			return fmt.Errorf("import %s after id %d: %w", kind, b.after, b.err)
		}
		if b.last == 0 {
			break
		}
	}
	return nil
}

// chunk reads the next opt.Batch rows of a table after an id; it returns
// the last id read (0 when there were none).
func (im *importer) chunk(ctx context.Context, what, cols, table string, after int64, fn func(*sql.Rows) (int64, error)) (int64, error) {
	var last int64
	id := "id"
	if strings.Contains(table, " JOIN ") {
		id = "c.id"
	}
	err := im.src.each(ctx, what, "SELECT "+cols+" FROM "+table+" WHERE "+id+" > ? ORDER BY "+id+" LIMIT ?",
		[]any{after, im.opt.Batch}, func(r *sql.Rows) error {
			id, err := fn(r)
			last = id
			return err
		})
	return last, err
}

func (im *importer) writeBase(ctx context.Context, b *sqlstore.ImportBatch) error {
	var states []store.State
	if err := im.src.each(ctx, "states", "SELECT id, name, slug, ordering, action_required FROM patchwork_state ORDER BY id", nil, func(r *sql.Rows) error {
		var x store.State
		if err := r.Scan(&x.ID, &x.Name, &x.Slug, &x.Ordering, flag{&x.ActionRequired}); err != nil {
			return err
		}
		if im.seen("states", "patchwork_state", x.ID) {
			states = append(states, x)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.States(ctx, states); err != nil {
		return err
	}
	im.wrote("states", len(states))

	var tags []store.Tag
	if err := im.src.each(ctx, "tags", "SELECT id, name, pattern, abbrev, show_column FROM patchwork_tag ORDER BY id", nil, func(r *sql.Rows) error {
		var x store.Tag
		if err := r.Scan(&x.ID, &x.Name, &x.Pattern, &x.Abbrev, flag{&x.ShowColumn}); err != nil {
			return err
		}
		if im.seen("tags", "patchwork_tag", x.ID) {
			tags = append(tags, x)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.Tags(ctx, tags); err != nil {
		return err
	}
	im.wrote("tags", len(tags))

	var projects []store.Project
	if err := im.src.each(ctx, "projects", `SELECT id, linkname, name, listid, listemail, subject_match, web_url, scm_url,
		webscm_url, list_archive_url, list_archive_url_format, commit_url_format, send_notifications, use_tags
		FROM patchwork_project ORDER BY id`, nil, func(r *sql.Rows) error {
		var p store.Project
		if err := r.Scan(&p.ID, &p.LinkName, &p.Name, &p.ListID, &p.ListEmail, str{&p.SubjectMatch}, str{&p.WebURL},
			str{&p.SCMURL}, str{&p.WebSCMURL}, str{&p.ListArchiveURL}, str{&p.ListArchiveURLFormat},
			str{&p.CommitURLFormat}, flag{&p.SendNotifications}, flag{&p.UseTags}); err != nil {
			return err
		}
		if im.seen("projects", "patchwork_project", p.ID) {
			projects = append(projects, p)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.Projects(ctx, projects); err != nil {
		return err
	}
	im.wrote("projects", len(projects))

	var users []store.User
	if err := im.src.each(ctx, "users", `SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.password,
		u.is_superuser, u.is_active, u.date_joined, p.send_email, p.items_per_page, p.show_ids
		FROM auth_user u LEFT JOIN patchwork_userprofile p ON p.user_id = u.id ORDER BY u.id`, nil, func(r *sql.Rows) error {
		var u store.User
		var perPage int64
		if err := r.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.PasswordHash, flag{&u.IsAdmin},
			flag{&u.Active}, tcol{&u.DateJoined}, flag{&u.SendEmail}, num{&perPage}, flag{&u.ShowIDs}); err != nil {
			return err
		}
		u.ItemsPerPage = int(perPage)
		if u.ItemsPerPage == 0 {
			u.ItemsPerPage = 100
		}
		u.PasswordHash = passwordOf(u.PasswordHash)
		if im.noPassword[u.ID] {
			u.PasswordHash = ""
		}
		if im.seen("users", "auth_user", u.ID) {
			users = append(users, u)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.Users(ctx, users); err != nil {
		return err
	}
	im.wrote("users", len(users))

	var maint [][2]int64
	if err := im.src.each(ctx, "maintainers", `SELECT m.project_id, p.user_id FROM patchwork_userprofile_maintainer_projects m
		JOIN patchwork_userprofile p ON p.id = m.userprofile_id ORDER BY m.id`, nil, func(r *sql.Rows) error {
		var project, user int64
		if err := r.Scan(&project, &user); err != nil {
			return err
		}
		c := im.count("maintainers")
		c.Read++
		if !im.projects[project] || !im.users[user] {
			c.Skipped++
			return nil
		}
		maint = append(maint, [2]int64{project, user})
		return nil
	}); err != nil {
		return err
	}
	if err := b.Maintainers(ctx, maint); err != nil {
		return err
	}
	im.wrote("maintainers", len(maint))

	var tokens []sqlstore.ImportToken
	if err := im.src.each(ctx, "tokens", `SELECT `+im.src.q("key")+`, created, user_id FROM authtoken_token ORDER BY user_id`, nil, func(r *sql.Rows) error {
		var t sqlstore.ImportToken
		if err := r.Scan(&t.Token, tcol{&t.Created}, &t.UserID); err != nil {
			return err
		}
		c := im.count("tokens")
		c.Read++
		if !im.users[t.UserID] {
			c.Skipped++
			return nil
		}
		tokens = append(tokens, t)
		return nil
	}); err != nil {
		return err
	}
	if err := b.Tokens(ctx, tokens); err != nil {
		return err
	}
	im.wrote("tokens", len(tokens))

	var optouts []string
	seenOptOut := map[string]bool{}
	if err := im.src.each(ctx, "opt-outs", "SELECT email FROM patchwork_emailoptout ORDER BY email", nil, func(r *sql.Rows) error {
		var e string
		if err := r.Scan(&e); err != nil {
			return err
		}
		im.count("e-mail opt-outs").Read++
		if key := strings.ToLower(e); !seenOptOut[key] {
			seenOptOut[key] = true
			optouts = append(optouts, e)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.OptOuts(ctx, optouts); err != nil {
		return err
	}
	im.wrote("e-mail opt-outs", len(optouts))

	var rels []sqlstore.ImportRelation
	if err := im.src.each(ctx, "relations", "SELECT id FROM patchwork_patchrelation ORDER BY id", nil, func(r *sql.Rows) error {
		var x sqlstore.ImportRelation
		if err := r.Scan(&x.ID); err != nil {
			return err
		}
		im.count("patch relations").Read++
		x.Created = im.relationDates[x.ID]
		if x.Created.IsZero() {
			x.Created = im.opt.Now().UTC()
		}
		rels = append(rels, x)
		return nil
	}); err != nil {
		return err
	}
	if err := b.Relations(ctx, rels); err != nil {
		return err
	}
	im.wrote("patch relations", len(rels))
	return nil
}

// noWrite is the write of a batch with nothing to write.
func noWrite(*sqlstore.ImportBatch) error { return nil }

func (im *importer) readPeople(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var ps []store.Person
	last, err := im.chunk(ctx, "people", "id, email, name, user_id", "patchwork_person", after, func(r *sql.Rows) (int64, error) {
		var p store.Person
		if err := r.Scan(&p.ID, &p.Email, str{&p.Name}, num{&p.UserID}); err != nil {
			return 0, err
		}
		if im.seen("people", "patchwork_person", p.ID) {
			ps = append(ps, p)
		}
		return p.ID, nil
	})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.People(ctx, ps); err != nil {
			return err
		}
		im.wrote("people", len(ps))
		return nil
	}, err
}

func (im *importer) readCovers(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var cs []store.Cover
	last, err := im.chunk(ctx, "covers", "id, project_id, msgid, name, date, submitter_id, headers, content", "patchwork_cover", after, func(r *sql.Rows) (int64, error) {
		var c store.Cover
		if err := r.Scan(&c.ID, &c.ProjectID, &c.MsgID, &c.Name, tcol{&c.Date}, &c.SubmitterID, str{&c.Headers}, str{&c.Content}); err != nil {
			return 0, err
		}
		c.SubmitterID = im.person(c.SubmitterID)
		c.SeriesID = im.coverSeries[c.ID]
		if im.seen("covers", "patchwork_cover", c.ID) {
			cs = append(cs, c)
		}
		return c.ID, nil
	})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Covers(ctx, cs); err != nil {
			return err
		}
		im.wrote("covers", len(cs))
		return nil
	}, err
}

func (im *importer) readSeries(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var xs []store.Series
	last, err := im.chunk(ctx, "series", "id, project_id, name, date, submitter_id, version, total, cover_letter_id", "patchwork_series", after, func(r *sql.Rows) (int64, error) {
		var x store.Series
		var version, total int64
		if err := r.Scan(&x.ID, num{&x.ProjectID}, str{&x.Name}, tcol{&x.Date}, &x.SubmitterID, &version, &total, num{&x.CoverID}); err != nil {
			return 0, err
		}
		x.Version, x.Total = int(version), int(total)
		x.SubmitterID = im.person(x.SubmitterID)
		if im.seen("series", "patchwork_series", x.ID) {
			xs = append(xs, x)
		}
		return x.ID, nil
	})
	if err != nil || last == 0 {
		return last, noWrite, err
	}
	var refs []sqlstore.ImportSeriesRef
	err = im.src.each(ctx, "series references", "SELECT id, project_id, series_id, msgid FROM patchwork_seriesreference WHERE series_id > ? AND series_id <= ? ORDER BY id",
		[]any{after, last}, func(r *sql.Rows) error {
			var x sqlstore.ImportSeriesRef
			if err := r.Scan(&x.ID, &x.ProjectID, &x.SeriesID, &x.MsgID); err != nil {
				return err
			}
			if im.seen("series references", "patchwork_seriesreference", x.ID) {
				refs = append(refs, x)
			}
			return nil
		})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Series(ctx, xs); err != nil {
			return err
		}
		im.wrote("series", len(xs))
		if err := b.SeriesRefs(ctx, refs); err != nil {
			return err
		}
		im.wrote("series references", len(refs))
		return nil
	}, err
}

func (im *importer) readPatches(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var ps []store.Patch
	last, err := im.chunk(ctx, "patches", `id, project_id, msgid, name, date, submitter_id, headers, content, diff, pull_url,
		hash, state_id, archived, delegate_id, commit_ref, series_id, number, related_id`, "patchwork_patch", after, func(r *sql.Rows) (int64, error) {
		var p store.Patch
		var number int64
		if err := r.Scan(&p.ID, &p.ProjectID, &p.MsgID, &p.Name, tcol{&p.Date}, &p.SubmitterID, str{&p.Headers}, str{&p.Content},
			str{&p.Diff}, str{&p.PullURL}, str{&p.Hash}, num{&p.StateID}, flag{&p.Archived}, num{&p.DelegateID},
			str{&p.CommitRef}, num{&p.SeriesID}, num{&number}, num{&p.RelatedID}); err != nil {
			return 0, err
		}
		p.Number = int(number)
		p.SubmitterID = im.person(p.SubmitterID)
		if im.seen("patches", "patchwork_patch", p.ID) {
			ps = append(ps, p)
		}
		return p.ID, nil
	})
	if err != nil || last == 0 {
		return last, noWrite, err
	}
	var tags []sqlstore.ImportPatchTag
	err = im.src.each(ctx, "patch tags", "SELECT id, patch_id, tag_id, count FROM patchwork_patchtag WHERE patch_id > ? AND patch_id <= ? ORDER BY id",
		[]any{after, last}, func(r *sql.Rows) error {
			var id, n int64
			var t sqlstore.ImportPatchTag
			if err := r.Scan(&id, &t.PatchID, &t.TagID, &n); err != nil {
				return err
			}
			t.Count = int(n)
			if im.seen("tag counts", "patchwork_patchtag", id) {
				tags = append(tags, t)
			}
			return nil
		})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Patches(ctx, ps); err != nil {
			return err
		}
		im.wrote("patches", len(ps))
		if err := b.PatchTags(ctx, tags); err != nil {
			return err
		}
		im.wrote("tag counts", len(tags))
		return nil
	}, err
}

func (im *importer) readPatchComments(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var cs []store.Comment
	last, err := im.chunk(ctx, "patch comments", "c.id, c.patch_id, p.project_id, c.msgid, c.date, c.submitter_id, c.headers, c.content, c.addressed",
		"patchwork_patchcomment c JOIN patchwork_patch p ON p.id = c.patch_id", after, func(r *sql.Rows) (int64, error) {
			var c store.Comment
			if err := r.Scan(&c.ID, &c.PatchID, &c.ProjectID, &c.MsgID, tcol{&c.Date}, &c.SubmitterID, str{&c.Headers},
				str{&c.Content}, optFlag{&c.Addressed}); err != nil {
				return 0, err
			}
			c.SubmitterID = im.person(c.SubmitterID)
			if im.seen("patch comments", "patchwork_patchcomment", c.ID) {
				cs = append(cs, c)
			}
			return c.ID, nil
		})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Comments(ctx, cs); err != nil {
			return err
		}
		im.wrote("patch comments", len(cs))
		return nil
	}, err
}

// readCoverComments gives upstream's cover comments ids past its patch
// comments (one id space here), keeping their number as the alias.
func (im *importer) readCoverComments(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var cs []store.Comment
	last, err := im.chunk(ctx, "cover comments", "c.id, c.cover_id, v.project_id, c.msgid, c.date, c.submitter_id, c.headers, c.content, c.addressed",
		"patchwork_covercomment c JOIN patchwork_cover v ON v.id = c.cover_id", after, func(r *sql.Rows) (int64, error) {
			var c store.Comment
			if err := r.Scan(&c.Alias, &c.CoverID, &c.ProjectID, &c.MsgID, tcol{&c.Date}, &c.SubmitterID, str{&c.Headers},
				str{&c.Content}, optFlag{&c.Addressed}); err != nil {
				return 0, err
			}
			c.ID = im.commentOffset + c.Alias
			c.SubmitterID = im.person(c.SubmitterID)
			if im.seen("cover comments", "patchwork_covercomment", c.Alias) {
				cs = append(cs, c)
			}
			return c.Alias, nil
		})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Comments(ctx, cs); err != nil {
			return err
		}
		im.wrote("cover comments", len(cs))
		return nil
	}, err
}

func (im *importer) readChecks(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var cs []store.Check
	last, err := im.chunk(ctx, "checks", "id, patch_id, user_id, date, state, target_url, context, description", "patchwork_check", after, func(r *sql.Rows) (int64, error) {
		var c store.Check
		var state int64
		if err := r.Scan(&c.ID, &c.PatchID, &c.UserID, tcol{&c.Date}, &state, str{&c.TargetURL}, &c.Context, str{&c.Description}); err != nil {
			return 0, err
		}
		c.State = store.CheckState(state)
		if im.seen("checks", "patchwork_check", c.ID) {
			cs = append(cs, c)
		}
		return c.ID, nil
	})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Checks(ctx, cs); err != nil {
			return err
		}
		im.wrote("checks", len(cs))
		return nil
	}, err
}

// readBundles reads bundles with their patches, and the delegation rules
// with the first batch (they are few and come after the users).
func (im *importer) readBundles(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	writeRules := noWrite
	if after == 0 {
		var err error
		if writeRules, err = im.readRules(ctx); err != nil {
			return 0, nil, err
		}
	}
	var bs []store.Bundle
	last, err := im.chunk(ctx, "bundles", "id, owner_id, project_id, name, public", "patchwork_bundle", after, func(r *sql.Rows) (int64, error) {
		var x store.Bundle
		if err := r.Scan(&x.ID, &x.OwnerID, &x.ProjectID, &x.Name, flag{&x.Public}); err != nil {
			return 0, err
		}
		if im.seen("bundles", "patchwork_bundle", x.ID) {
			bs = append(bs, x)
		}
		return x.ID, nil
	})
	if err != nil || last == 0 {
		return last, writeRules, err
	}
	var ps []sqlstore.ImportBundlePatch
	err = im.src.each(ctx, "bundle patches", "SELECT id, bundle_id, patch_id, "+im.src.q("order")+
		" FROM patchwork_bundlepatch WHERE bundle_id > ? AND bundle_id <= ? ORDER BY id", []any{after, last}, func(r *sql.Rows) error {
		var id, order int64
		var x sqlstore.ImportBundlePatch
		if err := r.Scan(&id, &x.BundleID, &x.PatchID, &order); err != nil {
			return err
		}
		x.Order = int(order)
		if im.seen("bundle patches", "patchwork_bundlepatch", id) {
			ps = append(ps, x)
		}
		return nil
	})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := writeRules(b); err != nil {
			return err
		}
		if err := b.Bundles(ctx, bs); err != nil {
			return err
		}
		im.wrote("bundles", len(bs))
		if err := b.BundlePatches(ctx, ps); err != nil {
			return err
		}
		im.wrote("bundle patches", len(ps))
		return nil
	}, err
}

// readRules reads the delegation rules unless a stopped import wrote them.
func (im *importer) readRules(ctx context.Context) (func(*sqlstore.ImportBatch) error, error) {
	done, err := im.dst.ImportMaxID(ctx, "delegation rule")
	if err != nil || done > 0 {
		return noWrite, err
	}
	var rs []store.DelegationRule
	err = im.src.each(ctx, "delegation rules", "SELECT id, project_id, user_id, path, priority FROM patchwork_delegationrule ORDER BY id", nil, func(r *sql.Rows) error {
		var x store.DelegationRule
		var prio int64
		if err := r.Scan(&x.ID, &x.ProjectID, &x.UserID, &x.Path, &prio); err != nil {
			return err
		}
		x.Priority = int(prio)
		if im.seen("delegation rules", "patchwork_delegationrule", x.ID) {
			rs = append(rs, x)
		}
		return nil
	})
	return func(b *sqlstore.ImportBatch) error {
		if err := b.DelegationRules(ctx, rs); err != nil {
			return err
		}
		im.wrote("delegation rules", len(rs))
		return nil
	}, err
}

func (im *importer) readEvents(ctx context.Context, after int64) (int64, func(*sqlstore.ImportBatch) error, error) {
	var es []store.Event
	last, err := im.chunk(ctx, "events", `id, category, project_id, date, actor_id, patch_id, series_id, cover_id,
		patch_comment_id, cover_comment_id, created_check_id, previous_state_id, current_state_id,
		previous_delegate_id, current_delegate_id, previous_relation_id, current_relation_id`, "patchwork_event", after, func(r *sql.Rows) (int64, error) {
		var e store.Event
		var coverComment int64
		if err := r.Scan(&e.ID, &e.Category, &e.ProjectID, tcol{&e.Date}, num{&e.ActorID}, num{&e.PatchID}, num{&e.SeriesID},
			num{&e.CoverID}, num{&e.CommentID}, num{&coverComment}, num{&e.CheckID}, num{&e.PreviousStateID},
			num{&e.CurrentStateID}, num{&e.PreviousDelegateID}, num{&e.CurrentDelegateID}, num{&e.PreviousRelationID},
			num{&e.CurrentRelationID}); err != nil {
			return 0, err
		}
		if coverComment != 0 {
			e.CommentID = im.commentOffset + coverComment
		}
		if im.seen("events", "patchwork_event", e.ID) {
			es = append(es, e)
		}
		return e.ID, nil
	})
	return last, func(b *sqlstore.ImportBatch) error {
		if err := b.Events(ctx, es); err != nil {
			return err
		}
		im.wrote("events", len(es))
		return nil
	}, err
}
