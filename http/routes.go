package http

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
)

// handlerFunc is an API handler; a returned error is rendered as a problem
// document by the one writer of errors.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access is what a route demands of the caller.
type access struct {
	// perm is the permission the caller's role needs; "" makes the route
	// public (no credential at all).
	perm vigil.Permission
	// or, when set, is a second permission that admits the caller too:
	// grievance content is for those who handle grievances and for
	// those who triage them into cases.
	or vigil.Permission
	// self lets a caller without perm act on its own user, for example to
	// create a token for itself. Such a route's handler names the target
	// user through authorizeTarget, which applies this same rule.
	self bool
}

func (a access) public() bool { return a.perm == "" }

// allows is the single role check of the API: every decision about what a
// user may do is taken here.
func (a access) allows(u *vigil.User, target string) bool {
	if a.public() {
		return true
	}
	if u == nil {
		return false
	}
	if u.Role.Can(a.perm) || (a.or != "" && u.Role.Can(a.or)) {
		return true
	}
	return a.self && target != "" && target == u.ID
}

// route is one entry of the route table: how a request is matched, who may
// make it, how it is answered and how the OpenAPI document describes it.
type route struct {
	method  string
	path    string // a net/http ServeMux pattern path
	access  access
	op      string // OpenAPI operationId
	summary string
	tag     string
	query   []param
	// body is the type of the JSON request body, nil for none.
	body reflect.Type
	// rawBody lists the media types of a request body that is a file, not
	// JSON (a list upload); the OpenAPI document calls it binary.
	rawBody []string
	// status is the success status; result the type of its JSON body (nil
	// for none) and page whether that body is a page envelope of result.
	status int
	result reflect.Type
	page   bool
	// contentType overrides application/json for the success body.
	contentType string
	// conflicts documents 409 on a route that is neither POST nor PUT
	// (a sealed grievance file must be opened, not downloaded).
	conflicts bool
	// maxBody raises the server's body limit for this route (list files
	// run to megabytes); 0 keeps the server's limit.
	maxBody int64
	handle  handlerFunc
}

// MaxListUploadBytes bounds a list file sent to the API or the web UI:
// the real lists run to a few megabytes (OFAC's sdn.csv is about 4 MB).
const MaxListUploadBytes = 64 << 20

// param is a query parameter.
type param struct {
	name string
	typ  string // OpenAPI type: string or integer
	desc string
	min  *int
	max  *int
	enum []string
}

func intp(i int) *int { return &i }

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// routeTable lists every route the API serves. It is the only place routes
// and their permissions are declared.
func (s *Server) routeTable() []route {
	var (
		public      = access{}
		read        = access{perm: vigil.PermRead}
		write       = access{perm: vigil.PermWritePortfolio}
		manageUsers = access{perm: vigil.PermManageUsers}
		selfOrUsers = access{perm: vigil.PermManageUsers, self: true}
	)
	rts := []route{
		{method: "GET", path: "/healthz", access: public, op: "health", tag: "operations",
			summary: "Report whether the server and its database answer.",
			status:  http.StatusOK, result: typeOf[health](), handle: s.handleHealth},
		{method: "GET", path: "/metrics", access: public, op: "metrics", tag: "operations",
			summary: "Prometheus metrics: request counts and latency by route and status.",
			status:  http.StatusOK, contentType: "text/plain", handle: s.handleMetrics},
		{method: "GET", path: "/api/v1/openapi.json", access: public, op: "openapi", tag: "operations",
			summary: "This API's OpenAPI 3 document.",
			status:  http.StatusOK, contentType: "application/json", handle: s.handleOpenAPI},
		{method: "GET", path: "/api/v1/me", access: read, op: "me", tag: "users",
			summary: "The user holding the credential.",
			status:  http.StatusOK, result: typeOf[vigil.User](), handle: s.handleMe},
		{method: "GET", path: "/api/v1/users", access: manageUsers, op: "listUsers", tag: "users",
			summary: "List users.",
			status:  http.StatusOK, result: typeOf[vigil.User](), page: true, handle: s.handleListUsers},
		{method: "POST", path: "/api/v1/users", access: manageUsers, op: "createUser", tag: "users",
			summary: "Create a user.",
			body:    typeOf[vigil.User](), status: http.StatusCreated, result: typeOf[vigil.User](), handle: s.handleCreateUser},
		{method: "POST", path: "/api/v1/tokens", access: selfOrUsers, op: "createToken", tag: "users",
			summary: "Create an API token for yourself, or (admins) for another user. The secret is returned only in this response.",
			body:    typeOf[TokenRequest](), status: http.StatusCreated, result: typeOf[NewToken](), handle: s.handleCreateToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", access: manageUsers, op: "revokeToken", tag: "users",
			summary: "Revoke a token at once, for example one that leaked.",
			status:  http.StatusNoContent, handle: s.handleRevokeToken},
	}
	for _, kind := range vigil.Kinds {
		rec, _ := vigil.NewRecord(kind)
		t := reflect.TypeOf(rec).Elem()
		name := t.Name()
		base := "/api/v1/" + string(kind)
		rts = append(rts,
			route{method: "GET", path: base, access: read, op: "list" + name, tag: string(kind),
				summary: "List " + string(kind) + " in id order, one page at a time.",
				query:   listParams(kind), status: http.StatusOK, result: t, page: true, handle: s.handleList(kind)},
			route{method: "GET", path: base + "/{id}", access: read, op: "get" + name, tag: string(kind),
				summary: "Get one " + kind.Singular() + ".",
				status:  http.StatusOK, result: t, handle: s.handleGet(kind)},
			route{method: "POST", path: base, access: write, op: "create" + name, tag: string(kind),
				summary: "Create a " + kind.Singular() + ". Without an id one is assigned (contexts need their ISO 3166 code as id).",
				body:    t, status: http.StatusCreated, result: t, handle: s.handleCreate(kind)},
			route{method: "PUT", path: base + "/{id}", access: write, op: "update" + name, tag: string(kind),
				summary: "Replace a " + kind.Singular() + "'s fields.",
				body:    t, status: http.StatusOK, result: t, handle: s.handleUpdate(kind)},
		)
	}
	rts = append(rts,
		route{method: "GET", path: "/api/v1/parties/{id}/chain", access: read, op: "partyChain", tag: "parties",
			summary: "Walk from a party to its ultimate end users (through resellers and intermediaries) and its parent bodies.",
			status:  http.StatusOK, result: typeOf[portfolio.Chain](), handle: s.handlePartyChain},
		route{method: "GET", path: "/api/v1/accounts/{id}/chain", access: read, op: "accountChain", tag: "accounts",
			summary: "Walk from the party holding an account to its ultimate end users and parent bodies.",
			status:  http.StatusOK, result: typeOf[portfolio.Chain](), handle: s.handleAccountChain},
		route{method: "GET", path: "/api/v1/events", access: read, op: "listEvents", tag: "events",
			summary: "List outbox events in sequence order.",
			query: []param{
				{name: "after", typ: "string", desc: "Cursor: the next value of the previous page (an event sequence number); empty for the start."},
				{name: "limit", typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
			},
			status: http.StatusOK, result: typeOf[vigil.Event](), page: true, handle: s.handleListEvents},
		route{method: "GET", path: "/api/v1/events/{id}", access: read, op: "getEvent", tag: "events",
			summary: "Get one event, with its salt and commitment.",
			status:  http.StatusOK, result: typeOf[vigil.Event](), handle: s.handleGetEvent},
	)
	rts = append(rts, s.riskRoutes()...)
	rts = append(rts, s.usageRoutes()...)
	rts = append(rts, s.enforceRoutes()...)
	rts = append(rts, s.screeningRoutes()...)
	rts = append(rts, s.grievanceRoutes()...)
	rts = append(rts, s.caseRoutes()...)
	rts = append(rts, s.reportRoutes()...)
	return rts
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// Query parameters with a meaning of their own; every other parameter of a
// listing is a filter.
const (
	paramQuery = "q"
	paramAfter = "after"
	paramLimit = "limit"
)

func listParams(kind vigil.Kind) []param {
	var ps []param
	if searchable(kind) {
		ps = append(ps, param{name: paramQuery, typ: "string", desc: "Case-insensitive substring of the name or title."})
	}
	ps = append(ps, []param{
		{name: paramAfter, typ: "string", desc: "Cursor: the next value of the previous page; empty for the first page."},
		{name: paramLimit, typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
	}...)
	rec, _ := vigil.NewRecord(kind)
	fields := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(rec).Elem()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fields[name] = f.Type
	}
	for _, f := range vigil.FilterFields[kind] {
		ps = append(ps, param{name: f, typ: "string", enum: enums[fields[f]],
			desc: "Filter: records whose " + f + " is (or, for a list, contains) this value."})
	}
	return ps
}

// searchable reports whether records of the kind have a name or a title,
// which is what the store's name search (ListOptions.Query) looks at.
func searchable(kind vigil.Kind) bool {
	rec, err := vigil.NewRecord(kind)
	if err != nil {
		return false
	}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(rec).Elem()) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "name" || name == "title" {
			return true
		}
	}
	return false
}
