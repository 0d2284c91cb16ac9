package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var approvedDecisionID = regexp.MustCompile(`data-decision="([^"]+)" data-status="approved"`)

// TestUIDecisionResponse records the customer's refusal of an end-use
// assurance on a condition decision from the case page; an auditor sees
// no form and a forged post is refused.
func TestUIDecisionResponse(t *testing.T) {
	e := newUIEnv(t)
	c := uiCase(t, e)
	page := "/ui/cases/" + c.ID

	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	_, _, tok := e.get(t, analyst, page)
	resp, _ := e.post(t, analyst, page+"/decisions", url.Values{"csrf": {tok}, "type": {"condition"}, "reasons": {"ask before anything else"},
		"conditions": {"an end-use assurance"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record a condition: %d", resp.StatusCode)
	}
	_, body, tok := e.get(t, analyst, page)
	m := approvedDecisionID.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `action="/ui/decisions/`+m[1]+`/responses"`) || !strings.Contains(body, `<option value="end_use_assurance">end-use assurance</option>`) {
		t.Fatalf("the case page offers no response form: %s", body)
	}
	dec := m[1]
	resp, _ = e.post(t, analyst, "/ui/decisions/"+dec+"/responses", url.Values{"csrf": {tok}, "kind": {"end_use_assurance"}, "response": {"refused"},
		"note": {"counsel <i>declined</i>"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record the response: %d", resp.StatusCode)
	}
	_, body, _ = e.get(t, analyst, page+"?done=responded")
	if !strings.Contains(body, `data-kind="end_use_assurance" data-answer="refused"`) || !strings.Contains(body, "counsel &lt;i&gt;declined&lt;/i&gt;") ||
		!strings.Contains(body, "Customer&#39;s response to “add conditions”, end-use assurance: refused") || !strings.Contains(body, "The customer&#39;s response is recorded") {
		t.Fatalf("after the response: %s", body)
	}
	resp, _ = e.post(t, analyst, "/ui/decisions/"+dec+"/responses", url.Values{"csrf": {tok}, "kind": {"loyalty"}, "response": {"refused"}}, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("an unknown kind: %d", resp.StatusCode)
	}

	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	_, body, tok = e.get(t, auditor, page)
	if strings.Contains(body, "respond-form") || !strings.Contains(body, `data-answer="refused"`) {
		t.Fatalf("the auditor's page: %s", body)
	}
	resp, _ = e.post(t, auditor, "/ui/decisions/"+dec+"/responses", url.Values{"csrf": {tok}, "kind": {"audit_clause"}, "response": {"vague"}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor response: %d", resp.StatusCode)
	}
}
