package sqlstore

import (
	"context"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const userCols = "id, email, name, phone, role, status, plan_id, email_verified, password_hash, created_at, updated_at, token_version"

// CreateUser inserts u, filling ID, timestamps, role (user) and status
// (active) when empty; the email is stored lower-cased. CodeConflict when the
// email is taken.
func (s *Store) CreateUser(ctx context.Context, u *gateway.User) error {
	newRow(&u.ID, &u.CreatedAt, &u.UpdatedAt)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = gateway.RoleUser
	}
	if u.Status == "" {
		u.Status = gateway.UserActive
	}
	_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		u.ID, u.Email, u.Name, u.Phone, u.Role, u.Status, u.PlanID, u.EmailVerified, u.PasswordHash,
		micros(u.CreatedAt), micros(u.UpdatedAt), u.TokenVersion)
	return s.fail(err, "create user", "User", "An account with this email already exists.")
}

// UserByID returns a user; CodeNotFound when absent.
func (s *Store) UserByID(ctx context.Context, id string) (*gateway.User, error) {
	return readOne(ctx, s, scanUser, "user by id", "User",
		"SELECT "+userCols+" FROM users WHERE id = ?", id)
}

// UserByEmail returns a user by email, case-insensitively; CodeNotFound when absent.
func (s *Store) UserByEmail(ctx context.Context, email string) (*gateway.User, error) {
	return readOne(ctx, s, scanUser, "user by email", "User",
		"SELECT "+userCols+" FROM users WHERE email = ?", strings.ToLower(strings.TrimSpace(email)))
}

// UpdateUser saves name, phone, role, status, plan, email_verified and
// password hash of u, raises its token version when u's is higher, and sets
// u.UpdatedAt. CodeNotFound when absent.
func (s *Store) UpdateUser(ctx context.Context, u *gateway.User) error {
	u.UpdatedAt = now()
	err := exactlyOne(s.writer.ExecContext(ctx, s.q(`UPDATE users SET name = ?, phone = ?, role = ?, status = ?,
		plan_id = ?, email_verified = ?, password_hash = ?, updated_at = ?,
		token_version = CASE WHEN token_version < ? THEN ? ELSE token_version END WHERE id = ?`),
		u.Name, u.Phone, u.Role, u.Status, u.PlanID, u.EmailVerified, u.PasswordHash, micros(u.UpdatedAt),
		u.TokenVersion, u.TokenVersion, u.ID))
	return s.fail(err, "update user", "User", "")
}

// ListUsers lists users by filter, newest first, with the total count. Query
// matches a substring of the email or the name, case-insensitively.
func (s *Store) ListUsers(ctx context.Context, f gateway.UserFilter) ([]*gateway.User, int, error) {
	where := []string{"1 = 1"}
	var args []any
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(f.Query)) + "%"
		match := `email LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\'`
		args = append(args, like, like)
		if id, ok := canonicalUUID(f.Query); ok {
			match += " OR id = ?"
			args = append(args, id)
		}
		where = append(where, "("+match+")")
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	list, total, err := listPage(ctx, s, userCols, "users", strings.Join(where, " AND "), args,
		"created_at DESC, id DESC", f.Page, scanUser)
	return list, total, s.fail(err, "list users", "User", "")
}

// likeEscaper escapes LIKE's wildcards (and the escape character) in user input.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func scanUser(sc scanner, extra ...any) (*gateway.User, error) {
	var (
		u                gateway.User
		created, updated int64
	)
	dest := []any{&u.ID, &u.Email, &u.Name, &u.Phone, &u.Role, &u.Status, &u.PlanID, &u.EmailVerified,
		&u.PasswordHash, &created, &updated, &u.TokenVersion}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &u, nil
}
