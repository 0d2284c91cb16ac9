package http

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

// The usage routes' samples for TestAccessEveryRoute. The table runs them
// in order: the ingest stores a week of transcription above the default
// threshold, the run raises a signal, and the get fetches it by its
// deterministic id.
func init() {
	var week strings.Builder
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&week, `{"key":"access-%d","subscription_id":"sub","meter":"ai.speech_to_text","quantity":2000,"unit":"hour","period_start":"2026-03-0%dT00:00:00Z","period_end":"2026-03-0%dT00:00:00Z","region":"eu-west-1"}`+"\n", i, i, i+1)
	}
	samples["POST /api/v1/usage"] = []sample{{path: "/api/v1/usage", body: week.String()}}
	samples["POST /api/v1/signal-runs"] = []sample{{path: "/api/v1/signal-runs", body: `{"as_of":"2026-03-07"}`}}
	samples["GET /api/v1/signals"] = []sample{{path: "/api/v1/signals?severity=high"}}
	id := usage.SignalID("volume-above-threshold", "acc", "sub", "ai.speech_to_text", usage.DayFromDate(vigil.MustDate("2026-03-07")))
	samples["GET /api/v1/signals/{id}"] = []sample{{path: "/api/v1/signals/" + id}}
}

const usageLine = `{"key":"k1","subscription_id":"sub","meter":"ai.speech_to_text","quantity":2000,"unit":"hour","period_start":"2026-03-01T00:00:00Z","period_end":"2026-03-02T00:00:00Z","region":"eu-west-1"}`

func TestUsageIngestAndSignals(t *testing.T) {
	e := newEnv(t)
	body := usageLine + "\n" + strings.Replace(usageLine, `"k1"`, `"k2"`, 1) + "\n"
	res := e.do(t, "analyst", "POST", "/api/v1/usage", body)
	if res.status != http.StatusOK {
		t.Fatalf("ingest: %d %s", res.status, res.body)
	}
	var sum usage.IngestSummary
	res.decode(t, &sum)
	if sum.Created != 2 || sum.EventID == "" {
		t.Fatalf("summary: %+v", sum)
	}
	res = e.do(t, "analyst", "POST", "/api/v1/usage", body)
	res.decode(t, &sum)
	if sum.Created != 0 || sum.Duplicates != 2 {
		t.Fatalf("again: %+v", sum)
	}
	// The privacy line over HTTP: the problem names line and field, and
	// nothing of the batch is stored.
	bad := strings.Replace(usageLine, `"k1"`, `"k3"`, 1) + "\n" + strings.Replace(usageLine, `"region"`, `"speaker_name":"Someone Private","region"`, 1) + "\n"
	res = e.do(t, "analyst", "POST", "/api/v1/usage", bad)
	pr := res.problem(t)
	if res.status != 400 || pr.Field != "speaker_name" || !strings.Contains(pr.Detail, "line 2") || strings.Contains(string(res.body), "Someone") {
		t.Fatalf("content: %d %+v", res.status, pr)
	}
	n, _ := e.store.CountUsage(t.Context())
	if n != 2 {
		t.Fatalf("%d records stored after a refused batch, want 2", n)
	}
	req := newRequest("POST", "/api/v1/usage", "key,subscription_id,meter,quantity,unit,period_start,period_end,region\nk9,sub,ai.translation,5,character,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,eu-west-1\n")
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+e.tokens["analyst"])
	res = e.serve(t, req)
	if res.status != 200 {
		t.Fatalf("csv: %d %s", res.status, res.body)
	}
	if res = e.do(t, "auditor", "POST", "/api/v1/usage", body); res.status != 403 {
		t.Fatalf("auditor may not ingest: %d", res.status)
	}

	rules, err := usage.LoadRules("")
	if err != nil {
		t.Fatal(err)
	}
	var recs []usage.Record
	for i := range 7 {
		r := usage.Record{Key: "w" + string(rune('a'+i)), Subscription: "sub", Meter: "ai.speech_to_text", Quantity: 2000, Unit: "hour", Region: "eu-west-1"}
		r.Start = usage.DayFromDate(vigil.MustDate("2026-03-01")).Time().AddDate(0, 0, i)
		r.End = r.Start.AddDate(0, 0, 1)
		recs = append(recs, r)
	}
	if _, err := e.store.IngestUsage(t.Context(), usage.IngestRequest{Source: &usage.SliceSource{Records: recs}, Actor: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := usage.Evaluate(t.Context(), e.store, e.store, rules, vigil.MustDate("2026-03-07"), "t"); err != nil {
		t.Fatal(err)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/signals?account_id=acc&severity=high", "")
	var p struct {
		Items []usage.Signal `json:"items"`
	}
	res.decode(t, &p)
	if res.status != 200 || len(p.Items) == 0 || p.Items[0].Account != "acc" || p.Items[0].Numbers["week.total"] == 0 {
		t.Fatalf("signals: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/signals/"+p.Items[0].ID, "")
	if res.status != 200 || !strings.Contains(string(res.body), "explanation") {
		t.Fatalf("get signal: %d %s", res.status, res.body)
	}
	if res = e.do(t, "auditor", "GET", "/api/v1/signals?colour=red", ""); res.status != 400 {
		t.Fatalf("unknown filter: %d", res.status)
	}
}
