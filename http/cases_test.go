package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// The casework routes' samples for TestAccessEveryRoute, and the records
// they act on: seeded into the access test's store only (other tests count
// assessments and events of their own).
const (
	sampleCase       = "case-a"
	sampleCaseWork   = "case-b"
	sampleApprove    = "dec-approve"
	sampleReject     = "dec-reject"
	sampleAttachment = "minutes of the call with the reseller"
)

func sampleAttachmentSHA() string {
	sum := sha256.Sum256([]byte(sampleAttachment))
	return hex.EncodeToString(sum[:])
}

func init() {
	samples["GET /api/v1/cases"] = []sample{{path: "/api/v1/cases?status=open&limit=5"}}
	samples["POST /api/v1/cases"] = []sample{{path: "/api/v1/cases", body: `{"title":"Reseller sells to a police unit","priority":"high","party_ids":["unit"]}`}}
	samples["GET /api/v1/cases/{id}"] = []sample{{path: "/api/v1/cases/" + sampleCase}}
	samples["POST /api/v1/cases/{id}/status"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/status", body: `{"status":"investigating"}`}}
	samples["POST /api/v1/cases/{id}/assignee"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/assignee", body: `{"assignee":"analyst"}`}}
	samples["POST /api/v1/cases/{id}/comments"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/comments", body: `{"text":"Asked the reseller for its customer list."}`}}
	samples["POST /api/v1/cases/{id}/links"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/links", body: `{"party_ids":["min"]}`}}
	samples["POST /api/v1/cases/{id}/attachments"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/attachments?name=note.txt", body: "a note on the call"}}
	samples["GET /api/v1/cases/{id}/attachments"] = []sample{{path: "/api/v1/cases/" + sampleCaseWork + "/attachments?sha256=" + sampleAttachmentSHA()}}
	samples["POST /api/v1/cases/{id}/decisions"] = []sample{{path: "/api/v1/cases/" + sampleCase + "/decisions",
		body: `{"type":"suspend","reasons":"the unit transcribes intercepted calls","subscription_ids":["sub"]}`}}
	samples["GET /api/v1/decisions"] = []sample{{path: "/api/v1/decisions?case_id=" + sampleCase + "&status=proposed"}}
	samples["GET /api/v1/decisions/{id}"] = []sample{{path: "/api/v1/decisions/" + sampleApprove}}
	samples["POST /api/v1/decisions/{id}/approve"] = []sample{{path: "/api/v1/decisions/" + sampleApprove + "/approve", body: `{"note":"proportionate"}`}}
	samples["POST /api/v1/decisions/{id}/reject"] = []sample{{path: "/api/v1/decisions/" + sampleReject + "/reject", body: `{"note":"engage first"}`}}
	samples["POST /api/v1/decisions/{id}/withdraw"] = []sample{{path: "/api/v1/decisions/" + sampleReject + "/withdraw", body: `{}`}}
	samples["POST /api/v1/case-runs"] = []sample{{path: "/api/v1/case-runs", body: `{"min_tier_rank":2}`}}

	envOptions = append(envOptions, func(t testing.TB, store vigil.Store) Option {
		if t.Name() == "TestAccessEveryRoute" {
			seedCases(t, store)
		}
		return func(*Server) {}
	})
}

// seedCases stores an assessment of the relationship acc~unit, two cases
// about it, two proposed suspensions by a user "proposer" and a file.
func seedCases(t testing.TB, store vigil.Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.CreateUser(ctx, &vigil.User{ID: "proposer", Name: "Proposer", Role: vigil.RoleAnalyst}, "test"))
	doc, err := json.Marshal(risk.Assessment{ID: "acc~unit", Version: 1, AccountID: "acc", CustomerID: "res", EndUserID: "unit", Path: []string{"res", "unit"}, Tier: "critical", TierRank: 3,
		Flags: []risk.FlagResult{}, Derivation: []string{"seeded by the casework tests"}, Modifiers: []risk.FlagResult{}, Facts: map[string]any{}, Sources: []risk.SourceFact{}})
	must(err)
	must(store.(risk.AssessmentStore).SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{{ID: "acc~unit", Version: 1, AccountID: "acc", CustomerID: "res",
		EndUserID: "unit", Tier: "critical", TierRank: 3, Priority: 120, Action: "suspend", PolicyVersion: "test", Digest: "d", AssessedAt: time.Now(),
		AssessedBy: "test", Current: true, Doc: doc}}}))
	cs, err := casework.StoreOf(store)
	must(err)
	for _, id := range []string{sampleCase, sampleCaseWork} {
		must(cs.CreateCase(ctx, &casework.Case{ID: id, Title: "Reseller account used by Unit 7", Priority: "critical", PartyIDs: []string{"res", "unit"},
			AccountIDs: []string{"acc"}, SubscriptionIDs: []string{"sub"}, AssessmentIDs: []string{"acc~unit"}, Due: time.Now().AddDate(0, 0, 7)}, "test"))
	}
	for _, id := range []string{sampleApprove, sampleReject} {
		must(cs.CreateDecision(ctx, &casework.Decision{ID: id, CaseID: sampleCase, Type: casework.DecisionSuspend, Reasons: "transcribes intercepted calls",
			AssessmentID: "acc~unit", AssessmentVersion: 1, SubscriptionIDs: []string{"sub"}}, "proposer"))
	}
	must(cs.PutAttachment(ctx, &casework.Attachment{CaseID: sampleCaseWork, Name: "minutes.txt", MediaType: "text/plain; charset=utf-8"}, []byte(sampleAttachment), "test"))
}

func TestCasesAPI(t *testing.T) {
	e := newEnv(t)
	seedCases(t, e.store)

	// An auditor reads, and nothing more.
	if res := e.do(t, "auditor", "GET", "/api/v1/cases/"+sampleCase, ""); res.status != http.StatusOK {
		t.Fatalf("auditor get: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "POST", "/api/v1/cases/"+sampleCase+"/comments", `{"text":"x"}`); res.status != http.StatusForbidden {
		t.Fatalf("auditor comment: %d", res.status)
	}

	// Open a case; move it with the version read; a stale version is 409.
	res := e.do(t, "analyst", "POST", "/api/v1/cases", `{"title":"Ministry contract","priority":"high","party_ids":["min"],"subscription_ids":["sub"],"assessment_ids":["acc~unit"]}`)
	var c casework.Case
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &c) != nil || c.Version != 1 || c.Due.IsZero() {
		t.Fatalf("open: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/cases", `{"title":"x","priority":"sometime"}`); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "priority") {
		t.Fatalf("bad priority: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/cases/"+c.ID+"/status", `{"status":"investigating","version":1}`); res.status != http.StatusOK {
		t.Fatalf("move: %d %s", res.status, res.body)
	}
	if res := e.do(t, "reviewer", "POST", "/api/v1/cases/"+c.ID+"/status", `{"status":"closed","outcome":"no_issue","version":1}`); res.status != http.StatusConflict {
		t.Fatalf("stale move: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/cases/"+c.ID+"/status", `{"status":"monitoring"}`); res.status != http.StatusConflict {
		t.Fatalf("forbidden transition: %d %s", res.status, res.body)
	}

	// Attach by raw body; download by SHA-256 as a download only.
	content := "<html><script>alert(1)</script></html>"
	res = e.do(t, "analyst", "POST", "/api/v1/cases/"+c.ID+"/attachments?name=page.html", content)
	var a casework.Attachment
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &a) != nil || a.MediaType != "text/html; charset=utf-8" {
		t.Fatalf("attach: %d %s", res.status, res.body)
	}
	sum := sha256.Sum256([]byte(content))
	if a.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 = %s", a.SHA256)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/cases/"+c.ID+"/attachments?sha256="+a.SHA256, "")
	if res.status != http.StatusOK || string(res.body) != content || res.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", res.status, res.header)
	}

	// Four eyes over the API.
	res = e.do(t, "analyst", "POST", "/api/v1/cases/"+c.ID+"/decisions", `{"type":"suspend","reasons":"transcribes intercepted calls","subscription_ids":["sub"]}`)
	var d casework.Decision
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &d) != nil || d.Status != casework.DecisionProposed || d.AssessmentVersion != 1 {
		t.Fatalf("propose: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/cases/"+c.ID+"/decisions", `{"type":"terminate","reasons":"r","subscription_ids":["sub"]}`); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "disengagement") {
		t.Fatalf("terminate without a plan: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/decisions/"+d.ID+"/approve", `{}`); res.status != http.StatusForbidden {
		t.Fatalf("analyst approve: %d", res.status)
	}
	// The approver proposes and cannot approve their own.
	res = e.do(t, "approver", "POST", "/api/v1/cases/"+c.ID+"/decisions", `{"type":"restrict","reasons":"limit to text","subscription_ids":["sub"],"capabilities":["ai.speech_to_text"]}`)
	var own casework.Decision
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &own) != nil {
		t.Fatalf("approver propose: %d %s", res.status, res.body)
	}
	if res := e.do(t, "approver", "POST", "/api/v1/decisions/"+own.ID+"/approve", `{}`); res.status != http.StatusForbidden || !strings.Contains(string(res.body), "four eyes") {
		t.Fatalf("own approval: %d %s", res.status, res.body)
	}
	if res := e.do(t, "approver", "POST", "/api/v1/decisions/"+own.ID+"/withdraw", `{"note":"one at a time"}`); res.status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", res.status, res.body)
	}
	res = e.do(t, "approver", "POST", "/api/v1/decisions/"+d.ID+"/approve", `{"note":"ok"}`)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"status":"approved"`) {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/cases/"+c.ID, "")
	var v casework.View
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &v) != nil || v.Case.Status != casework.StatusActionInForce || len(v.Decisions) != 2 || len(v.Attachments) != 1 {
		t.Fatalf("case after approval: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/decisions?unplanned=true", "")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), d.ID) {
		t.Fatalf("unplanned: %d %s", res.status, res.body)
	}

	// The automatic run opens nothing about a relationship with open cases.
	res = e.do(t, "analyst", "POST", "/api/v1/case-runs", `{"min_tier_rank":3}`)
	var runSum casework.AutoSummary
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &runSum) != nil || len(runSum.Opened) != 0 || runSum.AlreadyOpen != 1 {
		t.Fatalf("case run: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/cases?overdue=maybe", ""); res.status != http.StatusBadRequest {
		t.Fatalf("bad overdue: %d", res.status)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/cases?party_id=min", "")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), c.ID) || strings.Contains(string(res.body), sampleCase) {
		t.Fatalf("filter by party: %d %s", res.status, res.body)
	}
}
