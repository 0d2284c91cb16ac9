package vigil

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"
)

// Role is what a user may do. Auditors read everything and change nothing.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleAnalyst  Role = "analyst"
	RoleReviewer Role = "reviewer"
	RoleApprover Role = "approver"
	RoleAuditor  Role = "auditor"
	// RoleGrievanceOfficer handles grievances and alone may open a
	// submitter's sealed contact details.
	RoleGrievanceOfficer Role = "grievance_officer"
)

// Roles lists the accepted roles.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleReviewer, RoleApprover, RoleAuditor, RoleGrievanceOfficer}

// Permission is one thing a role may be allowed to do.
type Permission string

const (
	PermRead           Permission = "read"            // read the portfolio and the records of work
	PermWritePortfolio Permission = "write_portfolio" // create, update and import portfolio records
	PermManageUsers    Permission = "manage_users"    // users and tokens of others
	// PermWorkCases opens, assigns, comments on and moves cases, screens
	// parties and proposes decisions.
	PermWorkCases Permission = "work_cases"
	// PermApproveDecisions approves or rejects a decision someone else
	// proposed (the second pair of eyes on restrict, suspend, terminate).
	PermApproveDecisions Permission = "approve_decisions"
	// PermHandleGrievances triages and answers grievances, keeps the
	// stakeholder-engagement record and opens sealed contact details.
	PermHandleGrievances Permission = "handle_grievances"
)

// Nobody holds every permission: approving needs the approver role, which
// cannot edit the portfolio, and only grievance officers open grievances'
// sealed contact details. Auditors read everything and change nothing.
var rolePermissions = map[Role][]Permission{
	RoleAdmin:            {PermRead, PermWritePortfolio, PermManageUsers, PermWorkCases},
	RoleAnalyst:          {PermRead, PermWritePortfolio, PermWorkCases},
	RoleReviewer:         {PermRead, PermWritePortfolio, PermWorkCases},
	RoleApprover:         {PermRead, PermWorkCases, PermApproveDecisions},
	RoleAuditor:          {PermRead},
	RoleGrievanceOfficer: {PermRead, PermHandleGrievances},
}

// Can reports whether the role grants the permission.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !oneOf(r, Roles) {
		return "", FieldError("role", "unknown role %q (want one of %s)", s, joinValues(Roles))
	}
	return r, nil
}

// User is a person (or service account) who works in Vigil.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Validate checks the user's fields.
func (u *User) Validate() error {
	if err := validateID("id", u.ID); err != nil {
		return err
	}
	if strings.TrimSpace(u.Name) == "" {
		return FieldError("name", "must not be empty")
	}
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		return FieldError("email", "%q is not an e-mail address", u.Email)
	}
	_, err := ParseRole(string(u.Role))
	return err
}

// Token is an API token. Only the SHA-256 of its secret is stored: the
// secret has 160 random bits, so a slow hash would add nothing.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// TokenPrefix starts every token secret, so that secret scanners can find
// leaked ones.
const TokenPrefix = "vgl_"

// NewTokenSecret returns a new token secret and its hash.
func NewTokenSecret() (secret, hash string) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
