package http

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// fixtureMatch is the match every env holds: the seeded reseller against
// the first entry of the list the screening option imports.
var fixtureMatch = screening.MatchID("res", "watch", "csv:1")

// The screening routes' samples for TestAccessEveryRoute, and the list and
// match every env starts with.
func init() {
	samples["POST /api/v1/screen"] = []sample{{path: "/api/v1/screen", body: `{"name":"Reseller GmbH","country":"DE"}`}}
	samples["GET /api/v1/lists"] = []sample{{path: "/api/v1/lists"}}
	samples["GET /api/v1/lists/{name}"] = []sample{{path: "/api/v1/lists/watch"}}
	samples["GET /api/v1/lists/{name}/versions/{version}/changes"] = []sample{{path: "/api/v1/lists/watch/versions/1/changes"}}
	samples["POST /api/v1/screening-runs"] = []sample{{path: "/api/v1/screening-runs", body: `{"delta":true}`}}
	samples["GET /api/v1/matches"] = []sample{{path: "/api/v1/matches?status=any&limit=5"}}
	samples["GET /api/v1/matches/{id}"] = []sample{{path: "/api/v1/matches/" + fixtureMatch}}
	samples["GET /api/v1/parties/{id}/matches"] = []sample{{path: "/api/v1/parties/res/matches?chain=true"}}
	samples["POST /api/v1/matches/{id}/confirm"] = []sample{{path: "/api/v1/matches/" + fixtureMatch + "/confirm", body: `{"reason":"same registry number"}`}}
	samples["POST /api/v1/matches/{id}/dismiss"] = []sample{{path: "/api/v1/matches/" + fixtureMatch + "/dismiss", body: `{"reason":"another company"}`}}
	envOptions = append(envOptions, seedScreening)
}

// seedScreening imports a small list and stores the reseller's match as a
// run would have found it. The env's parties are created after the
// options, so the match is stored through SaveRun with what screening the
// seeded reseller finds.
func seedScreening(t testing.TB, store vigil.Store) Option {
	t.Helper()
	ctx := context.Background()
	list := filepath.Join(t.TempDir(), "watch.csv")
	if err := os.WriteFile(list, []byte("id,name,aliases,type,country,source\n"+
		"1,Reseller GmbH,Wiederverkaeufer GmbH,company,de,Test list\n"+
		"2,Ministry of the Interior,,organization,ua,Test list\n"+
		"3,Tarn Valley Rifles,,organization,no,Test list\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, err := screening.New(store, screening.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(ctx, screening.ImportRequest{Path: list, Format: "csv", Name: "watch", Kind: "entity_list", Actor: "seed"}); err != nil {
		t.Fatal(err)
	}
	res := &vigil.Party{ID: "res", Type: vigil.PartyCompany, Name: "Reseller GmbH", Country: "DE", Aliases: []string{"Wiederverkäufer"}}
	q := screening.QueryOf(res, []string{"Holding Ltd"})
	rs, _, err := svc.Screen(ctx, q, 1)
	if err != nil || len(rs) == 0 || rs[0].Entity.ID != "csv:1" {
		t.Fatalf("screen the reseller: %v %+v", err, rs)
	}
	entries, err := svc.Store().ListEntries(ctx, "watch")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := svc.Store().SaveRun(ctx, screening.RunResult{
		Run:      screening.Run{ID: "SR-seed", Mode: "delta", StartedAt: now, FinishedAt: now, Actor: "seed", Lists: map[string]int{}},
		Findings: []screening.Finding{{PartyID: "res", PartyName: res.Name, PartyHash: screening.QueryHash(q), Entry: entries[0], ListKind: "entity_list", Score: rs[0].Score, Decision: rs[0].Decision, Explanation: rs[0].Explanation}},
	}); err != nil {
		t.Fatal(err)
	}
	return func(*Server) {}
}

func TestScreeningAPI(t *testing.T) {
	e := newEnv(t)
	var sr ScreenResponse
	res := e.do(t, "analyst", "POST", "/api/v1/screen", `{"name":"Reseler GmbH","country":"Germany","type":"company"}`)
	res.decode(t, &sr)
	if res.status != http.StatusOK || len(sr.Candidates) == 0 || sr.Candidates[0].Entity.ID != "csv:1" || sr.Candidates[0].Entity.List != "watch" ||
		len(sr.Candidates[0].Explanation.Tokens) == 0 || sr.Candidates[0].Explanation.Reason == "" || len(sr.Lists) != 1 || sr.ReviewThreshold == 0 {
		t.Fatalf("screen: %d %s", res.status, res.body)
	}
	if res := e.do(t, "approver", "POST", "/api/v1/screen", `{"name":" "}`); res.status != http.StatusBadRequest {
		t.Fatalf("empty name: %d", res.status)
	}
	var lists struct{ Items []screening.ListVersion }
	e.do(t, "auditor", "GET", "/api/v1/lists", "").decode(t, &lists)
	if len(lists.Items) != 1 || lists.Items[0].Entries != 3 || lists.Items[0].Kind != "entity_list" {
		t.Fatalf("lists: %+v", lists)
	}
	var ch ListChanges
	e.do(t, "auditor", "GET", "/api/v1/lists/watch/versions/1/changes", "").decode(t, &ch)
	if len(ch.Items) != 3 || ch.Items[0].Change != "added" {
		t.Fatalf("changes: %+v", ch)
	}
	for path, want := range map[string]int{"/api/v1/lists/nope": 404, "/api/v1/lists/watch/versions/x/changes": 404,
		"/api/v1/lists/watch/versions/2/changes": 404, "/api/v1/matches?sort=x": 400, "/api/v1/matches?min_score=2": 400,
		"/api/v1/matches/SMnope": 404, "/api/v1/parties/nope/matches": 404} {
		if res := e.do(t, "auditor", "GET", path, ""); res.status != want {
			t.Errorf("%s: %d, want %d", path, res.status, want)
		}
	}

	// Runs and decisions are analysts' work: an auditor may not.
	if res := e.do(t, "auditor", "POST", "/api/v1/screening-runs", `{}`); res.status != http.StatusForbidden {
		t.Fatalf("auditor ran screening: %d", res.status)
	}
	var run screening.Run
	res = e.do(t, "analyst", "POST", "/api/v1/screening-runs", `{}`)
	res.decode(t, &run)
	if res.status != http.StatusOK || run.Mode != "full" || run.Found < 1 {
		t.Fatalf("run: %d %s", res.status, res.body)
	}
	var queue struct {
		Items []screening.Match
		Next  string
	}
	e.do(t, "auditor", "GET", "/api/v1/matches", "").decode(t, &queue)
	if len(queue.Items) < 2 || queue.Items[0].Score < queue.Items[1].Score || queue.Items[0].Status != "pending" {
		t.Fatalf("queue: %+v", queue)
	}
	// The unit's chain reaches its ministry's match.
	var chain struct{ Items []screening.Match }
	e.do(t, "auditor", "GET", "/api/v1/parties/unit/matches?chain=true", "").decode(t, &chain)
	if len(chain.Items) != 1 || chain.Items[0].PartyID != "min" || chain.Items[0].EntryID != "csv:2" {
		t.Fatalf("chain matches of unit: %+v", chain)
	}
	for _, role := range []string{"auditor", "grievance_officer"} {
		if res := e.do(t, role, "POST", "/api/v1/matches/"+fixtureMatch+"/confirm", `{"reason":"same company"}`); res.status != http.StatusForbidden {
			t.Fatalf("%s confirmed a match: %d", role, res.status)
		}
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/matches/"+fixtureMatch+"/confirm", `{"reason":""}`); res.status != http.StatusBadRequest {
		t.Fatalf("confirm without a reason: %d", res.status)
	}
	var m screening.Match
	res = e.do(t, "analyst", "POST", "/api/v1/matches/"+fixtureMatch+"/confirm", `{"reason":"same commercial register entry"}`)
	res.decode(t, &m)
	if res.status != http.StatusOK || m.Status != "confirmed" || m.DecidedBy != "analyst" {
		t.Fatalf("confirm: %d %s", res.status, res.body)
	}
	if res := e.do(t, "reviewer", "POST", "/api/v1/matches/"+fixtureMatch+"/confirm", `{"reason":"again"}`); res.status != http.StatusConflict {
		t.Fatalf("confirm twice: %d", res.status)
	}
	res = e.do(t, "reviewer", "POST", "/api/v1/matches/"+fixtureMatch+"/dismiss", `{"reason":"the register entry belongs to a namesake"}`)
	res.decode(t, &m)
	if res.status != http.StatusOK || m.Status != "dismissed" {
		t.Fatalf("dismiss: %d %s", res.status, res.body)
	}
	e.do(t, "auditor", "GET", "/api/v1/matches?party_id=res", "").decode(t, &queue)
	if len(queue.Items) != 0 {
		t.Fatalf("dismissed match still queued: %+v", queue.Items)
	}
	e.do(t, "auditor", "GET", "/api/v1/matches?status=dismissed", "").decode(t, &queue)
	if len(queue.Items) != 1 || queue.Items[0].Reason != "the register entry belongs to a namesake" {
		t.Fatalf("dismissed: %+v", queue.Items)
	}
}
