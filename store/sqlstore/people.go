package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

const personCols = "id, name, email, user_id"

func scanPerson(r rowScanner) (store.Person, error) {
	var p store.Person
	err := r.Scan(&p.ID, &p.Name, &p.Email, nullInt64{&p.UserID})
	return p, err
}

// UpsertPerson finds a person by e-mail or creates one; see store.PersonStore.
func (s *Store) UpsertPerson(ctx context.Context, email, name string, overwrite bool) (*store.Person, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, fmt.Errorf("upsert person: empty e-mail: %w", store.ErrInvalid)
	}
	p, err := s.GetPersonByEmail(ctx, email)
	if err == nil {
		if name != "" && name != p.Name && (p.Name == "" || overwrite) {
			if _, err := s.exec(ctx, "UPDATE people SET name = ? WHERE id = ?", name, p.ID); err != nil {
				return nil, fmt.Errorf("update person %d: %w", p.ID, err)
			}
			p.Name = cleanString(name)
		}
		return p, nil
	}
	if !isNotFound(err) {
		return nil, err
	}
	p, err = s.insertPerson(ctx, email, name)
	if err != nil || p != nil {
		return p, err
	}
	return s.GetPersonByEmail(ctx, email)
}

// InsertPerson is UpsertPerson for an address believed new (an import
// read the addresses of its mails beforehand): it tries the insert first,
// one statement instead of three.
func (s *Store) InsertPerson(ctx context.Context, email, name string, overwrite bool) (*store.Person, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, fmt.Errorf("insert person: empty e-mail: %w", store.ErrInvalid)
	}
	p, err := s.insertPerson(ctx, email, name)
	if err != nil || p != nil {
		return p, err
	}
	return s.UpsertPerson(ctx, email, name, overwrite)
}

// insertPerson inserts a person, or, when another writer just did, leaves
// theirs and returns nil: a plain INSERT that fails would abort a
// surrounding PostgreSQL transaction.
func (s *Store) insertPerson(ctx context.Context, email, name string) (*store.Person, error) {
	q := "INSERT INTO people (name, email) VALUES (?, ?)" + s.d.onConflict("")
	created := func(id int64) (*store.Person, error) {
		p := &store.Person{ID: id, Name: cleanString(name), Email: cleanString(email)}
		return p, s.linkNewPerson(ctx, p)
	}
	if s.pend != nil {
		// Held back, the insert cannot learn that another writer took the
		// address first: that conflict fails the transaction instead,
		// which a deferring caller redoes without deferral.
		id, err := s.insert(ctx, "INSERT INTO people (name, email) VALUES (?, ?)", name, email)
		if err != nil {
			return nil, fmt.Errorf("create person %q: %w", email, err)
		}
		return created(id)
	}
	if s.d.returning {
		id, err := s.insert(ctx, q, name, email)
		switch {
		case err == nil:
			return created(id)
		case isNotFound(err): // the conflict: no row returned
			return nil, nil
		default:
			return nil, fmt.Errorf("create person %q: %w", email, err)
		}
	}
	res, err := s.exec(ctx, q, name, email)
	if err != nil {
		return nil, fmt.Errorf("create person %q: %w", email, err)
	}
	// MySQL counts a row the no-op ON DUPLICATE KEY UPDATE kept as 0.
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("create person %q: %w", email, mapErr(err))
	}
	return created(id)
}

// linkNewPerson links a person just created to the user of its address,
// if there is one: an account made before its address sent mail owns the
// mail from then on (its patches are "mine", it may change them). Under
// deferred writes the statement travels with the insert.
func (s *Store) linkNewPerson(ctx context.Context, p *store.Person) error {
	if s.pend != nil {
		// A read would send the held writes: the links go with them, one
		// statement for all the people of the send.
		s.pend.link = append(s.pend.link, p.ID)
		return nil
	}
	var uid int64
	err := scanRow(s.queryRow(ctx, "SELECT id FROM users WHERE "+s.d.ciEqual("email"), p.Email), &uid)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("user of %q: %w", p.Email, err)
	}
	if _, err := s.exec(ctx, "UPDATE people SET user_id = ? WHERE id = ?", uid, p.ID); err != nil {
		return fmt.Errorf("link person %q: %w", p.Email, err)
	}
	p.UserID = uid
	return nil
}

// PeopleByEmails finds the people of many addresses (case-insensitive) in
// one query per 500, keyed by lower-cased address.
func (s *Store) PeopleByEmails(ctx context.Context, emails []string) (map[string]store.Person, error) {
	out := map[string]store.Person{}
	if err := s.readMany(ctx, s.peopleReads(emails, out)); err != nil {
		return nil, fmt.Errorf("people by e-mail: %w", err)
	}
	return out, nil
}

// emailIn is the test of people's e-mail against lower-cased, trimmed
// addresses.
func (s *Store) emailIn(keys []string) (string, []any) {
	col := "LOWER(email)"
	if s.d.name == "mysql" {
		col = "email" // compared case-insensitively by its collation, and indexed so
	}
	return inList(s.d, col, keys)
}

// emailKeys are the addresses as emailIn compares them, in chunks.
func emailKeys(emails []string) [][]string {
	keys := make([]string, 0, len(emails))
	for _, e := range emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			keys = append(keys, e)
		}
	}
	return chunks(uniq(keys), 500)
}

// peopleReads are PeopleByEmails' reads, filling out.
func (s *Store) peopleReads(emails []string, out map[string]store.Person) []readQuery {
	var qs []readQuery
	for _, chunk := range emailKeys(emails) {
		in, inArgs := s.emailIn(chunk)
		qs = append(qs, readQuery{
			q:    "SELECT " + personCols + " FROM people WHERE " + in,
			args: inArgs,
			scan: func(r rowScanner) error {
				p, err := scanPerson(r)
				if err != nil {
					return err
				}
				out[strings.ToLower(p.Email)] = p
				return nil
			},
		})
	}
	return qs
}

// GetPerson returns a person by id.
func (s *Store) GetPerson(ctx context.Context, id int64) (*store.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, "SELECT "+personCols+" FROM people WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, mapErr(err))
	}
	return &p, nil
}

// GetPersonByEmail returns a person by e-mail, case-insensitively.
func (s *Store) GetPersonByEmail(ctx context.Context, email string) (*store.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, "SELECT "+personCols+" FROM people WHERE "+s.d.ciEqual("email"), strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("get person %q: %w", email, mapErr(err))
	}
	return &p, nil
}

// GetPeople fetches many people in one query.
func (s *Store) GetPeople(ctx context.Context, ids []int64) (map[int64]store.Person, error) {
	out := make(map[int64]store.Person, len(ids))
	for _, chunk := range chunks(uniq(ids), 500) {
		list, err := collect(ctx, s, func(r *sql.Rows) (store.Person, error) { return scanPerson(r) },
			"SELECT "+personCols+" FROM people WHERE id IN ("+placeholders(len(chunk))+")", argsOf(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("get people: %w", err)
		}
		for _, p := range list {
			out[p.ID] = p
		}
	}
	return out, nil
}

// ListPeople searches people.
func (s *Store) ListPeople(ctx context.Context, q store.PersonQuery) ([]store.Person, error) {
	query := "SELECT " + personCols + " FROM people"
	var args []any
	var conds []string
	switch {
	case q.Text != "" && q.NameOnly:
		conds = append(conds, contains("name"))
		args = append(args, containsArg(q.Text))
	case q.Text != "":
		conds = append(conds, "("+contains("name")+" OR "+contains("email")+")")
		args = append(args, containsArg(q.Text), containsArg(q.Text))
	}
	if q.Listed {
		conds = append(conds, "(people.user_id IS NOT NULL"+
			" OR EXISTS (SELECT 1 FROM patches WHERE patches.submitter_id = people.id)"+
			" OR EXISTS (SELECT 1 FROM covers WHERE covers.submitter_id = people.id)"+
			" OR EXISTS (SELECT 1 FROM comments WHERE comments.submitter_id = people.id))")
	}
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += orderBy(q.Order, map[string]string{"id": "id", "name": "name", "email": "email"}, "id", "id") + s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, func(r *sql.Rows) (store.Person, error) { return scanPerson(r) }, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return out, nil
}

// LinkPerson links the people with that e-mail to a user.
func (s *Store) LinkPerson(ctx context.Context, email string, userID int64) error {
	if _, err := s.exec(ctx, "UPDATE people SET user_id = ? WHERE "+s.d.ciEqual("email"), nullID(userID), strings.TrimSpace(email)); err != nil {
		return fmt.Errorf("link person %q: %w", email, err)
	}
	return nil
}
