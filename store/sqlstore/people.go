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
	// Insert or, when another writer just did, leave theirs: a plain INSERT
	// that fails would abort a surrounding PostgreSQL transaction.
	if _, err := s.exec(ctx, "INSERT INTO people (name, email) VALUES (?, ?)"+s.d.onConflict(""), name, email); err != nil {
		return nil, fmt.Errorf("create person %q: %w", email, err)
	}
	return s.GetPersonByEmail(ctx, email)
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
	if q.Text != "" {
		query += " WHERE (" + contains("name") + " OR " + contains("email") + ")"
		args = append(args, containsArg(q.Text), containsArg(q.Text))
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
