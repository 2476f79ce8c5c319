package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

const userCols = `id, username, email, first_name, last_name, password_hash, is_admin, active,
	date_joined, send_email, items_per_page, show_ids`

// userColsU is userCols qualified with the alias u.
const userColsU = `u.id, u.username, u.email, u.first_name, u.last_name, u.password_hash, u.is_admin,
	u.active, u.date_joined, u.send_email, u.items_per_page, u.show_ids`

func scanUser(r rowScanner) (store.User, error) {
	var u store.User
	err := r.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.PasswordHash,
		&u.IsAdmin, &u.Active, timeCol{&u.DateJoined}, &u.SendEmail, &u.ItemsPerPage, &u.ShowIDs)
	return u, err
}

func scanUserRows(r *sql.Rows) (store.User, error) { return scanUser(r) }

// CreateUser inserts a user and sets u.ID (and DateJoined when zero).
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	if strings.TrimSpace(u.Username) == "" {
		return fmt.Errorf("create user: empty username: %w", store.ErrInvalid)
	}
	if u.DateJoined.IsZero() {
		u.DateJoined = time.Now().UTC()
	}
	u.DateJoined = u.DateJoined.UTC().Truncate(time.Microsecond)
	if u.ItemsPerPage == 0 {
		u.ItemsPerPage = 100
	}
	id, err := s.insert(ctx, `INSERT INTO users (username, email, first_name, last_name, password_hash,
		is_admin, active, date_joined, send_email, items_per_page, show_ids)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.Email, u.FirstName, u.LastName, u.PasswordHash, u.IsAdmin, u.Active,
		u.DateJoined, u.SendEmail, u.ItemsPerPage, u.ShowIDs)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	u.ID = id
	return nil
}

// UpdateUser writes every field of u except DateJoined.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	res, err := s.exec(ctx, `UPDATE users SET username = ?, email = ?, first_name = ?, last_name = ?,
		password_hash = ?, is_admin = ?, active = ?, send_email = ?, items_per_page = ?, show_ids = ?
		WHERE id = ?`,
		u.Username, u.Email, u.FirstName, u.LastName, u.PasswordHash, u.IsAdmin, u.Active,
		u.SendEmail, u.ItemsPerPage, u.ShowIDs, u.ID)
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return s.mustExist(ctx, res, "users", u.ID, "update user")
}

func (s *Store) getUser(ctx context.Context, what string, where string, arg any) (*store.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+where, arg))
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", what, mapErr(err))
	}
	return &u, nil
}

// GetUser returns a user by id.
func (s *Store) GetUser(ctx context.Context, id int64) (*store.User, error) {
	return s.getUser(ctx, fmt.Sprint(id), "id = ?", id)
}

// GetUserByName returns a user by username (exact).
func (s *Store) GetUserByName(ctx context.Context, username string) (*store.User, error) {
	return s.getUser(ctx, fmt.Sprintf("%q", username), "username = ?", username)
}

// GetUserByEmail returns a user by e-mail, case-insensitively.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*store.User, error) {
	return s.getUser(ctx, fmt.Sprintf("%q", email), s.d.ciEqual("email"), strings.TrimSpace(email))
}

// GetUsers fetches many users in one query.
func (s *Store) GetUsers(ctx context.Context, ids []int64) (map[int64]store.User, error) {
	out := make(map[int64]store.User, len(ids))
	for _, chunk := range chunks(uniq(ids), 500) {
		list, err := collect(ctx, s, scanUserRows,
			"SELECT "+userCols+" FROM users WHERE id IN ("+placeholders(len(chunk))+")", argsOf(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("get users: %w", err)
		}
		for _, u := range list {
			out[u.ID] = u
		}
	}
	return out, nil
}

// ListUsers searches users.
func (s *Store) ListUsers(ctx context.Context, q store.UserQuery) ([]store.User, error) {
	query := "SELECT " + userCols + " FROM users"
	var args []any
	if q.Text != "" {
		query += " WHERE (" + contains("username") + " OR " + contains("first_name") + " OR " +
			contains("last_name") + " OR " + contains("email") + ")"
		a := containsArg(q.Text)
		args = append(args, a, a, a, a)
	}
	query += orderBy(q.Order, map[string]string{"id": "id", "username": "username", "email": "email"}, "id", "id") +
		s.d.limit(q.Limit, q.Offset)
	out, err := collect(ctx, s, scanUserRows, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// AddSSHKey stores a public key and sets k.ID.
func (s *Store) AddSSHKey(ctx context.Context, k *store.SSHKey) error {
	if k.Created.IsZero() {
		k.Created = time.Now().UTC()
	}
	k.Created = k.Created.UTC().Truncate(time.Microsecond)
	id, err := s.insert(ctx, `INSERT INTO ssh_keys (user_id, key_type, fingerprint, comment, public_key, created)
		VALUES (?, ?, ?, ?, ?, ?)`, k.UserID, k.Type, k.Fingerprint, k.Comment, k.Key, k.Created)
	if err != nil {
		return fmt.Errorf("add ssh key %s: %w", k.Fingerprint, err)
	}
	k.ID = id
	return nil
}

// ListSSHKeys returns a user's keys, oldest first.
func (s *Store) ListSSHKeys(ctx context.Context, userID int64) ([]store.SSHKey, error) {
	out, err := collect(ctx, s, func(r *sql.Rows) (store.SSHKey, error) {
		var k store.SSHKey
		err := r.Scan(&k.ID, &k.UserID, &k.Type, &k.Fingerprint, &k.Comment, &k.Key, timeCol{&k.Created})
		return k, err
	}, "SELECT id, user_id, key_type, fingerprint, comment, public_key, created FROM ssh_keys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("list ssh keys of user %d: %w", userID, err)
	}
	return out, nil
}

// DeleteSSHKey removes one of the user's keys.
func (s *Store) DeleteSSHKey(ctx context.Context, userID int64, fingerprint string) error {
	res, err := s.exec(ctx, "DELETE FROM ssh_keys WHERE user_id = ? AND fingerprint = ?", userID, fingerprint)
	if err != nil {
		return fmt.Errorf("delete ssh key %s: %w", fingerprint, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete ssh key %s: %w", fingerprint, store.ErrNotFound)
	}
	return nil
}

// UserBySSHKey returns the owner of the key with that fingerprint.
func (s *Store) UserBySSHKey(ctx context.Context, fingerprint string) (*store.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColsU+" FROM users u JOIN ssh_keys k ON k.user_id = u.id WHERE k.fingerprint = ?", fingerprint))
	if err != nil {
		return nil, fmt.Errorf("user by ssh key %s: %w", fingerprint, mapErr(err))
	}
	return &u, nil
}

// SetToken stores (or replaces) the hash of the user's API token.
func (s *Store) SetToken(ctx context.Context, userID int64, token string) error {
	_, err := s.exec(ctx, "INSERT INTO tokens (user_id, token_hash, created) VALUES (?, ?, ?)"+
		s.d.onConflict("user_id", "token_hash", "created"), userID, store.HashToken(token), time.Now())
	if err != nil {
		return fmt.Errorf("set token of user %d: %w", userID, err)
	}
	return nil
}

// TokenCreated says when the user's token was made.
func (s *Store) TokenCreated(ctx context.Context, userID int64) (time.Time, error) {
	var t time.Time
	if err := scanRow(s.queryRow(ctx, "SELECT created FROM tokens WHERE user_id = ?", userID), &t); err != nil {
		return time.Time{}, fmt.Errorf("token of user %d: %w", userID, err)
	}
	return t.UTC(), nil
}

// UserByToken returns the owner of a token, found by the token's hash.
func (s *Store) UserByToken(ctx context.Context, token string) (*store.User, error) {
	if token == "" {
		return nil, fmt.Errorf("user by token: %w", store.ErrNotFound)
	}
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColsU+" FROM users u JOIN tokens t ON t.user_id = u.id WHERE t.token_hash = ?", store.HashToken(token)))
	if err != nil {
		return nil, fmt.Errorf("user by token: %w", mapErr(err))
	}
	return &u, nil
}

// SetOptOut records or clears a notification opt-out.
func (s *Store) SetOptOut(ctx context.Context, email string, out bool) error {
	email = strings.ToLower(strings.TrimSpace(email))
	var err error
	if out {
		_, err = s.exec(ctx, "INSERT INTO email_optouts (email) VALUES (?)"+s.d.onConflict("email"), email)
	} else {
		_, err = s.exec(ctx, "DELETE FROM email_optouts WHERE email = ?", email)
	}
	if err != nil {
		return fmt.Errorf("set opt-out %q: %w", email, err)
	}
	return nil
}

// IsOptedOut reports whether the address opted out.
func (s *Store) IsOptedOut(ctx context.Context, email string) (bool, error) {
	var n int
	err := scanRow(s.queryRow(ctx, "SELECT COUNT(*) FROM email_optouts WHERE email = ?", strings.ToLower(strings.TrimSpace(email))), &n)
	if err != nil {
		return false, fmt.Errorf("is opted out %q: %w", email, err)
	}
	return n > 0, nil
}

const confirmationCols = "id, conf_type, email, user_id, conf_key, created, active, username, public_key"

// CreateConfirmation inserts a confirmation and sets c.ID.
func (s *Store) CreateConfirmation(ctx context.Context, c *store.Confirmation) error {
	if c.Date.IsZero() {
		c.Date = time.Now().UTC()
	}
	c.Date = c.Date.UTC().Truncate(time.Microsecond)
	id, err := s.insert(ctx, `INSERT INTO confirmations (conf_type, email, user_id, conf_key, created, active, username, public_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Type, c.Email, nullID(c.UserID), c.Key, c.Date, c.Active, c.Username, c.PublicKey)
	if err != nil {
		return fmt.Errorf("create confirmation: %w", err)
	}
	c.ID = id
	return nil
}

// GetConfirmation returns a confirmation by key.
func (s *Store) GetConfirmation(ctx context.Context, key string) (*store.Confirmation, error) {
	var c store.Confirmation
	err := scanRow(s.queryRow(ctx, "SELECT "+confirmationCols+" FROM confirmations WHERE conf_key = ?", key),
		&c.ID, &c.Type, &c.Email, nullInt64{&c.UserID}, &c.Key, timeCol{&c.Date}, &c.Active, &c.Username, &c.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("get confirmation: %w", err)
	}
	return &c, nil
}

// DeactivateConfirmation marks a confirmation used.
func (s *Store) DeactivateConfirmation(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, "UPDATE confirmations SET active = ? WHERE id = ?", false, id)
	if err != nil {
		return fmt.Errorf("deactivate confirmation %d: %w", id, err)
	}
	return s.mustExist(ctx, res, "confirmations", id, "deactivate confirmation")
}

// ExpireConfirmations deletes confirmations created before the cut-off.
func (s *Store) ExpireConfirmations(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM confirmations WHERE created < ?", before)
	if err != nil {
		return 0, fmt.Errorf("expire confirmations: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ExpireInactiveUsers deletes never-activated users that joined before the
// cut-off.
func (s *Store) ExpireInactiveUsers(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM users WHERE active = ? AND date_joined < ?", false, before)
	if err != nil {
		return 0, fmt.Errorf("expire inactive users: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
