package http

import (
	"net/http"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRouteTable checks the served document against the route
// table both ways: every route is documented with its permission, and the
// document promises no operation the server lacks.
func TestOpenAPIMatchesRouteTable(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "", "GET", "/api/v1/openapi.json", "")
	if res.status != http.StatusOK {
		t.Fatalf("openapi.json: %d", res.status)
	}
	doc := loadDoc(t, res.body)

	inTable := map[string]route{}
	for _, rt := range e.srv.routes {
		inTable[strings.ToUpper(rt.method)+" "+rt.path] = rt
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			inDoc[key] = true
			rt, ok := inTable[key]
			if !ok {
				t.Errorf("the document has %s, which no route serves", key)
				continue
			}
			if op.OperationID != rt.op {
				t.Errorf("%s: operationId %q, route says %q", key, op.OperationID, rt.op)
			}
			perm, _ := op.Extensions["x-vigil-permission"].(string)
			if perm != string(rt.access.perm) {
				t.Errorf("%s: documented permission %q, route needs %q", key, perm, rt.access.perm)
			}
			if op.Responses.Status(rt.status) == nil {
				t.Errorf("%s: success status %d undocumented", key, rt.status)
			}
			if !rt.access.public() && (op.Responses.Status(401) == nil || op.Responses.Status(403) == nil) {
				t.Errorf("%s: 401 and 403 undocumented", key)
			}
		}
	}
	for key := range inTable {
		if !inDoc[key] {
			t.Errorf("route %s is missing from the document", key)
		}
	}
	if len(inTable) != len(e.srv.routes) {
		t.Errorf("the route table declares a route twice")
	}
}

// TestOpenAPISchemasAreStrict guards the check the other tests rely on: a
// field the document does not know must fail validation, or schema checks
// of responses would pass whatever the handlers wrote.
func TestOpenAPISchemasAreStrict(t *testing.T) {
	e := newEnv(t)
	party := e.doc.Components.Schemas["Party"].Value
	if err := party.VisitJSON(map[string]any{"id": "x", "surprise": 1}); err == nil {
		t.Errorf("the Party schema accepts unknown fields")
	}
	page := e.doc.Components.Schemas["PartyPage"].Value
	if err := page.VisitJSON(map[string]any{"items": []any{}}); err == nil {
		t.Errorf("the PartyPage schema accepts a page without next")
	}
}
