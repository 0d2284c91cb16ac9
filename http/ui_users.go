package http

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// The users page: administrators (permission manage_users) see every user
// with their role and sign-in state, add users and set passwords, so a
// team can start without the command line. Each change goes through the
// store and its event, like `vigil users add` and `vigil users password`.

type userRow struct {
	User        *vigil.User
	HasPassword bool
	Locked      bool
	Failures    int
}

type usersView struct {
	Users  []userRow
	Roles  []string
	Notice string
	Error  string
	Form   vigil.User
}

func (u *webUI) handleUsers(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.renderUsers(w, r, q, http.StatusOK, &usersView{Notice: noticeOf(q, r.URL.Query().Get("done"), r.URL.Query().Get("user"))})
}

func noticeOf(q *uiRequest, done, user string) string {
	switch done {
	case "added":
		return q.L.T("users.added", user)
	case "password":
		return q.L.T("users.passwordset", user)
	}
	return ""
}

func (u *webUI) renderUsers(w http.ResponseWriter, r *http.Request, q *uiRequest, status int, v *usersView) error {
	ctx := r.Context()
	users, err := u.s.store.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	now := u.s.now()
	for _, us := range users {
		row := userRow{User: us}
		c, err := u.ws.Credential(ctx, us.ID)
		switch {
		case err == nil:
			row.HasPassword, row.Locked, row.Failures = true, now.Before(c.LockedUntil), c.Failures
		case vigil.ErrorCode(err) != vigil.ENOTFOUND:
			return fmt.Errorf("credential of %s: %w", us.ID, err)
		}
		v.Users = append(v.Users, row)
	}
	v.Roles = enumStrings(vigil.Roles)
	if v.Form.Role == "" {
		v.Form.Role = vigil.RoleAnalyst
	}
	return u.render(w, r, q, status, "users.html", "users", q.L.T("users.title"), v)
}

// handleAddUser creates a user; a refused field is shown beside the form.
func (u *webUI) handleAddUser(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	nu := vigil.User{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Role: vigil.Role(r.PostFormValue("role"))}
	if nu.Name == "" {
		nu.Name = nu.ID
	}
	if err := u.s.store.CreateUser(r.Context(), &nu, q.user.ID); err != nil {
		if c := vigil.ErrorCode(err); c == vigil.EINVALID || c == vigil.ECONFLICT {
			return u.renderUsers(w, r, q, ErrorStatus(err), &usersView{Error: vigil.ErrorMessage(err), Form: nu})
		}
		return err
	}
	http.Redirect(w, r, "/ui/users?done=added&user="+nu.ID, http.StatusSeeOther)
	return nil
}

// handlePasswordReset sets another user's password: the same policy and
// hash as the command line, ending the user's sessions.
func (u *webUI) handlePasswordReset(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	id := r.PathValue("id")
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		return u.renderUsers(w, r, q, http.StatusBadRequest, &usersView{Error: q.L.T("users.mismatch")})
	}
	if err := CheckPasswordPolicy(pw); err != nil {
		return u.renderUsers(w, r, q, http.StatusBadRequest, &usersView{Error: vigil.ErrorMessage(err)})
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	if err := u.ws.SetPassword(r.Context(), id, hash, q.user.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/users?done=password&user="+id, http.StatusSeeOther)
	return nil
}
