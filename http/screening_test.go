package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/shareddata"
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
	// The seeded list's own content: every role that may import gets
	// "unchanged", however often the access test sends it.
	samples["POST /api/v1/lists/{name}/versions"] = []sample{{path: "/api/v1/lists/watch/versions?format=csv&kind=entity_list&file=watch.csv", body: seedList}}
	samples["POST /api/v1/screening-runs"] = []sample{{path: "/api/v1/screening-runs", body: `{"delta":true}`}}
	samples["GET /api/v1/matches"] = []sample{{path: "/api/v1/matches?status=any&limit=5"}}
	samples["GET /api/v1/matches/{id}"] = []sample{{path: "/api/v1/matches/" + fixtureMatch}}
	samples["GET /api/v1/parties/{id}/matches"] = []sample{{path: "/api/v1/parties/res/matches?chain=true"}}
	samples["POST /api/v1/matches/{id}/confirm"] = []sample{{path: "/api/v1/matches/" + fixtureMatch + "/confirm", body: `{"reason":"same registry number"}`}}
	samples["POST /api/v1/matches/{id}/dismiss"] = []sample{{path: "/api/v1/matches/" + fixtureMatch + "/dismiss", body: `{"reason":"another company"}`}}
	envOptions = append(envOptions, seedScreening)
}

const seedList = "id,name,aliases,type,country,source\n" +
	"1,Reseller GmbH,Wiederverkaeufer GmbH,company,de,Test list\n" +
	"2,Ministry of the Interior,,organization,ua,Test list\n" +
	"3,Tarn Valley Rifles,,organization,no,Test list\n"

// seedScreening imports a small list and stores the reseller's match as a
// run would have found it. The env's parties are created after the
// options, so the match is stored through SaveRun with what screening the
// seeded reseller finds.
func seedScreening(t testing.TB, store vigil.Store) Option {
	t.Helper()
	ctx := context.Background()
	list := filepath.Join(t.TempDir(), "watch.csv")
	if err := os.WriteFile(list, []byte(seedList), 0o644); err != nil {
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

// TestListUploadAPI imports list versions through the API: a raw body, the
// same file again (also gzip-compressed or as a multipart part) storing
// nothing, a malformed file storing nothing with a problem naming its line
// and field, the parameters checked, the roles that may import, and a real
// list larger than the server's default body limit.
func TestListUploadAPI(t *testing.T) {
	e := newEnv(t)
	const path = "/api/v1/lists/watch/versions?format=csv"
	v2 := seedList + "4,Northern Signals Brigade 4471,NSB 4471,organization,no,Test list\n"
	var sum screening.ImportSummary
	res := e.do(t, "analyst", "POST", path+"&file=watch-2.csv", v2)
	res.decode(t, &sum)
	if res.status != http.StatusOK || sum.Unchanged || sum.Version != 2 || sum.Added != 1 || sum.Changed+sum.Removed != 0 ||
		sum.Entries != 4 || sum.File != "watch-2.csv" || sum.ImportedBy != "analyst" || sum.Kind != "entity_list" {
		t.Fatalf("new version: %d %s", res.status, res.body)
	}
	res = e.do(t, "reviewer", "POST", path, v2)
	res.decode(t, &sum)
	if res.status != http.StatusOK || !sum.Unchanged || sum.Version != 2 {
		t.Fatalf("the same file again: %d %s", res.status, res.body)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(v2))
	zw.Close()
	req := newRequest("POST", path, gz.String())
	req.Header.Set("Content-Type", "application/gzip")
	req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
	res = e.serve(t, req)
	res.decode(t, &sum)
	if res.status != http.StatusOK || !sum.Unchanged {
		t.Fatalf("the same file gzip-compressed: %d %s", res.status, res.body)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "watch.csv")
	fw.Write([]byte(v2))
	mw.Close()
	req = newRequest("POST", path, mp.String())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens["analyst"])
	res = e.serve(t, req)
	res.decode(t, &sum)
	if res.status != http.StatusOK || !sum.Unchanged || sum.Version != 2 {
		t.Fatalf("the same file as a multipart part: %d %s", res.status, res.body)
	}

	// A malformed file: nothing stored, the problem names line and field.
	var p Problem
	res = e.do(t, "analyst", "POST", path+"&file=bad.csv", v2+"5,,,organization,no,Test list\n")
	res.decode(t, &p)
	if res.status != http.StatusBadRequest || p.Code != "invalid" || p.Field != "name" || !strings.Contains(p.Detail, "bad.csv: line 6") ||
		res.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("malformed file: %d %s", res.status, res.body)
	}
	res = e.do(t, "analyst", "POST", path, "id,name\n1,x,y\n")
	res.decode(t, &p)
	if res.status != http.StatusBadRequest || !strings.Contains(p.Detail, "line") {
		t.Fatalf("wrong columns: %d %s", res.status, res.body)
	}
	var versions struct{ Items []screening.ListVersion }
	e.do(t, "auditor", "GET", "/api/v1/lists/watch", "").decode(t, &versions)
	if len(versions.Items) != 2 {
		t.Fatalf("a refused file stored a version: %+v", versions.Items)
	}
	for target, want := range map[string]string{
		"/api/v1/lists/watch/versions":                          "format",
		"/api/v1/lists/watch/versions?format=pdf":               "format",
		"/api/v1/lists/watch/versions?format=csv&x=1":           "x",
		"/api/v1/lists/Bad%20Name/versions?format=csv":          "name",
		"/api/v1/lists/watch/versions?format=csv&kind=a&kind=b": "kind",
	} {
		res := e.do(t, "analyst", "POST", target, v2)
		res.decode(t, &p)
		if res.status != http.StatusBadRequest || p.Field != want {
			t.Errorf("%s: %d %s, want 400 on %s", target, res.status, res.body, want)
		}
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/lists/watch/versions?format=un", v2); res.status != http.StatusConflict {
		t.Errorf("another format for a stored list: %d %s", res.status, res.body)
	}
	for _, role := range []string{"auditor", "approver", "grievance_officer"} {
		if res := e.do(t, role, "POST", path, v2); res.status != http.StatusForbidden {
			t.Errorf("%s imported a list: %d", role, res.status)
		}
	}

	// The UN list (2 MB) is over the server's default body limit (1 MiB)
	// and under the route's.
	un, err := os.ReadFile(shareddata.Dir(t, "un", "UN_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(un)) <= DefaultMaxBodyBytes {
		t.Fatalf("the UN list is %d bytes: no longer a test of the route's limit", len(un))
	}
	res = e.do(t, "admin", "POST", "/api/v1/lists/un/versions?format=un&file=UN_consolidated.xml", string(un))
	res.decode(t, &sum)
	if res.status != http.StatusOK || sum.Version != 1 || sum.Entries < 900 || sum.Kind != "sanctions" {
		t.Fatalf("UN list: %d %s", res.status, res.body)
	}
	// Cut short, it stores nothing and says where it broke.
	res = e.do(t, "admin", "POST", "/api/v1/lists/un2/versions?format=un&file=UN.xml", string(un[:len(un)/2]))
	res.decode(t, &p)
	if res.status != http.StatusBadRequest || !strings.Contains(p.Detail, "UN.xml") || !strings.Contains(p.Detail, "line") {
		t.Fatalf("truncated UN list: %d %s", res.status, res.body)
	}
	e.do(t, "auditor", "GET", "/api/v1/lists", "").decode(t, &versions)
	if len(versions.Items) != 2 {
		t.Fatalf("lists after the truncated file: %+v", versions.Items)
	}
}
