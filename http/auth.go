package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// caller is the authenticated user of a request and the access rule of the
// route it called.
type caller struct {
	user   *vigil.User
	access access
}

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// userFrom returns the authenticated user. Handlers of non-public routes
// always have one: guard refuses the request otherwise.
func userFrom(ctx context.Context) *vigil.User {
	if c := callerFrom(ctx); c != nil {
		return c.user
	}
	return nil
}

// actorFrom names the user in created_by, updated_by and events.
func actorFrom(ctx context.Context) string {
	if u := userFrom(ctx); u != nil {
		return u.ID
	}
	return ""
}

// guard authenticates the caller and checks the route's permission before
// the handler runs, and bounds the request body.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max(s.maxBody, rt.maxBody))
		}
		if !rt.access.public() {
			u, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			// A self route's target is only known once the handler has
			// read the request; it finishes the check in authorizeTarget.
			if !rt.access.self && !rt.access.allows(u, "") {
				s.writeError(w, r, forbidden(u, rt.access))
				return
			}
			reqInfoFrom(r.Context()).user = u.ID
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, &caller{user: u, access: rt.access}))
		}
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authorizeTarget finishes the check of a self route once the handler knows
// which user the request acts on.
func authorizeTarget(ctx context.Context, target string) error {
	c := callerFrom(ctx)
	if c == nil {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "no credential")
	}
	if !c.access.allows(c.user, target) {
		return forbidden(c.user, c.access)
	}
	return nil
}

// forbidden names every permission that would have admitted the caller,
// so that an admin reading the refusal knows which role to grant.
func forbidden(u *vigil.User, a access) error {
	needed := string(a.perm)
	if a.or != "" {
		needed = fmt.Sprintf("%s or %s", a.perm, a.or)
	}
	if a.self {
		return vigil.Errorf(vigil.EFORBIDDEN, "role %s may do this only for its own user (permission %s needed for others)", u.Role, needed)
	}
	if a.or != "" {
		return vigil.Errorf(vigil.EFORBIDDEN, "role %s lacks both permissions %s", u.Role, needed)
	}
	return vigil.Errorf(vigil.EFORBIDDEN, "role %s lacks the permission %s", u.Role, needed)
}

// authenticate finds the user holding the request's bearer token.
func (s *Server) authenticate(r *http.Request) (*vigil.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "no credential: send Authorization: Bearer <token>")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "the Authorization header must be: Bearer <token>")
	}
	u, err := s.store.UserByTokenHash(r.Context(), vigil.HashToken(secret), s.now())
	if err != nil {
		if vigil.ErrorCode(err) == vigil.EUNAUTHORIZED || vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "the token is unknown, expired or revoked")
		}
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if u.Disabled {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "user %s is disabled", u.ID)
	}
	return u, nil
}
