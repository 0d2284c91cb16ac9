package http

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vigil-hrdd/vigil/risk"
)

// The risk routes' samples for TestAccessEveryRoute live here, next to the
// routes, rather than in access_test.go.
func init() {
	samples["GET /api/v1/assessments"] = []sample{{path: "/api/v1/assessments?limit=5&min_tier_rank=1"}}
	samples["GET /api/v1/assessments/{id}"] = []sample{{path: "/api/v1/assessments/acc~unit"}}
	samples["GET /api/v1/assessments/{id}/versions"] = []sample{{path: "/api/v1/assessments/acc~unit/versions"}}
	samples["POST /api/v1/assessment-runs"] = []sample{{path: "/api/v1/assessment-runs", body: `{"account_id":"acc"}`}}
}

func TestRiskAPI(t *testing.T) {
	e := newEnv(t)
	// Before any run, the relationship is assessed on the fly.
	res := e.do(t, "auditor", "GET", "/api/v1/assessments/acc~unit", "")
	var a risk.Assessment
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &a) != nil || a.Version != 0 || a.EndUserID != "unit" || len(a.Derivation) == 0 {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "POST", "/api/v1/assessment-runs", `{}`); res.status != http.StatusForbidden {
		t.Fatalf("auditor ran an assessment: %d", res.status)
	}
	res = e.do(t, "analyst", "POST", "/api/v1/assessment-runs", `{}`)
	var sum risk.Summary
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &sum) != nil || sum.Stored != 1 {
		t.Fatalf("run: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/assessments?limit=10", "")
	var page struct{ Items []risk.Row }
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &page) != nil || len(page.Items) != 1 || page.Items[0].ID != "acc~unit" {
		t.Fatalf("top: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/assessments/acc~unit?version=1", "")
	if res.status != http.StatusOK || json.Unmarshal([]byte(res.body), &a) != nil || a.Version != 1 || a.Tier != page.Items[0].Tier {
		t.Fatalf("get v1: %d %s", res.status, res.body)
	}
	for _, bad := range []string{"/api/v1/assessments/acc~nobody", "/api/v1/assessments/acc~unit?version=7", "/api/v1/assessments/nosuch"} {
		if res := e.do(t, "auditor", "GET", bad, ""); res.status < 400 {
			t.Errorf("%s: %d", bad, res.status)
		}
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/assessments?tier=x", ""); res.status != http.StatusBadRequest {
		t.Errorf("unknown parameter: %d", res.status)
	}
}
