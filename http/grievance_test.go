package http

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

// Every env gets a grievance key and sample records, so that the access
// test reaches every grievance route with a real record.
const (
	sampleGrievance   = "GSAMPLE"
	sampleReceipt     = "GRVS-AMP1-E000-0000-0001"
	sampleEngagement  = "ESAMPLE"
	samplePromise     = "PRSAMPLE"
	testGrievancePass = "grievance key passphrase for tests"
)

var sampleFile = []byte("%PDF-1.4\nsample\n%%EOF\n")

func sampleFileSHA() string {
	sum := sha256.Sum256(sampleFile)
	return hex.EncodeToString(sum[:])
}

func init() {
	envOptions = append(envOptions, grievanceEnv)
	id := "/api/v1/grievances/" + sampleGrievance
	receipt := `"receipt_code":"` + sampleReceipt + `"`
	for k, v := range map[string][]sample{
		"POST /api/v1/public/grievances":             {{path: "/api/v1/public/grievances", body: `{"subject":"Access test","description":"Sent by the access test"}`}},
		"POST /api/v1/public/grievances/follow":      {{path: "/api/v1/public/grievances/follow", body: "{" + receipt + "}"}},
		"POST /api/v1/public/grievances/information": {{path: "/api/v1/public/grievances/information", body: "{" + receipt + `,"text":"more"}`}},
		"GET /api/v1/grievances":                     {{path: "/api/v1/grievances?overdue=false&limit=10"}},
		"GET /api/v1/grievance-overdue":              {{path: "/api/v1/grievance-overdue"}},
		"GET /api/v1/grievance-figures":              {{path: "/api/v1/grievance-figures?from=2026-01-01"}},
		"GET /api/v1/grievances/{id}":                {{path: id}},
		"GET /api/v1/grievances/{id}/files/{sha}":    {{path: id + "/files/" + sampleFileSHA()}},
		"POST /api/v1/grievances/{id}/acknowledge":   {{path: id + "/acknowledge", body: `{"message":"Received"}`}},
		"POST /api/v1/grievances/{id}/triage":        {{path: id + "/triage", body: `{"party_ids":["unit"],"subscription_ids":[],"case_ids":["C1"],"note":"n"}`}},
		"POST /api/v1/grievances/{id}/answer":        {{path: id + "/answer", body: `{"message":"Our answer"}`}},
		"POST /api/v1/grievances/{id}/close":         {{path: id + "/close", body: `{"outcome":"upheld","led_to_action":true}`}},
		"POST /api/v1/grievances/{id}/contact":       {{path: id + "/contact", body: `{"passphrase":"` + testGrievancePass + `"}`}},
		"GET /api/v1/engagements":                    {{path: "/api/v1/engagements?stakeholder_type=union"}},
		"POST /api/v1/engagements":                   {{path: "/api/v1/engagements", body: `{"kind":"meeting","stakeholder_type":"union","stakeholders":"The union","date":"2026-11-01","asked":"A meeting"}`}},
		"GET /api/v1/engagements/{id}/promises":      {{path: "/api/v1/engagements/" + sampleEngagement + "/promises"}},
		"POST /api/v1/engagements/{id}/promises":     {{path: "/api/v1/engagements/" + sampleEngagement + "/promises", body: `{"text":"Answer in writing","due":"2026-12-31"}`}},
		"POST /api/v1/promises/{id}/answer":          {{path: "/api/v1/promises/" + samplePromise + "/answer", body: `{"answer":"Done"}`}},
	} {
		samples[k] = v
	}
}

// grievanceEnv gives the env's server a grievance service with a key
// (cheap to unseal) and stores the sample records.
func grievanceEnv(t testing.TB, store vigil.Store) Option {
	t.Helper()
	ctx := context.Background()
	keys := filepath.Join(t.TempDir(), "keys")
	if _, err := grievance.GenerateKeyWorkFactor(keys, testGrievancePass, 10); err != nil {
		t.Fatal(err)
	}
	gs, err := grievance.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := grievance.NewService(gs, grievance.Config{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	rcpt, err := grievance.LoadRecipient(keys)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := grievance.Seal(rcpt, grievance.Contact{Name: "Sample Person", Email: "sample@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	f, err := svc.Limits().CheckAttachment("sample.pdf", sampleFile, now)
	if err != nil {
		t.Fatal(err)
	}
	g := &grievance.Grievance{ID: sampleGrievance, Channel: grievance.ChannelWeb, Language: "en", Subject: "Sample", Description: "A sample grievance",
		Status: grievance.StatusReceived, ReceivedAt: now, AckDue: now.Add(grievance.DefaultAckWithin), AnswerDue: now.Add(grievance.DefaultAnswerWithin),
		PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{}, Attachments: []grievance.File{f}}
	if err := gs.CreateGrievance(ctx, g, sealed, grievance.ReceiptHash(sampleReceipt), "test"); err != nil {
		t.Fatal(err)
	}
	e := &grievance.Engagement{ID: sampleEngagement, Kind: grievance.EngagementLetterIn, StakeholderType: grievance.StakeholderCivilSociety,
		Stakeholders: "Six organisations", Date: vigil.MustDate("2026-10-30"), Asked: "Suspend the service", RecordedAt: now}
	if err := gs.CreateEngagement(ctx, e, "test"); err != nil {
		t.Fatal(err)
	}
	if err := gs.AddPromise(ctx, &grievance.Promise{ID: samplePromise, EngagementID: e.ID, Text: "Answer by the end of the year", Due: vigil.MustDate("2026-12-31"), PromisedAt: now}, "test"); err != nil {
		t.Fatal(err)
	}
	return WithGrievances(svc)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestGrievanceAPIFollowUpAndSealing(t *testing.T) {
	e := newEnv(t)
	const email = "whistle.9z@example.org"
	body := fmt.Sprintf(`{"subject":"Listening to us","description":"The unit uses speech to text on our calls.","language":"fr",
		"contact":{"name":"R. K.","email":%q},"attachments":[{"name":"notes.txt","content":%q}]}`, email, b64([]byte("Dates and places.\n")))
	res := e.do(t, "", "POST", "/api/v1/public/grievances", body)
	if res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	var rc grievance.Receipt
	res.decode(t, &rc)
	if rc.Code == "" || rc.AckDue.Sub(time.Now()) < 6*24*time.Hour {
		t.Fatalf("receipt %+v", rc)
	}
	follow := func() grievance.Follow {
		t.Helper()
		res := e.do(t, "", "POST", "/api/v1/public/grievances/follow", fmt.Sprintf(`{"receipt_code":%q}`, strings.ToLower(rc.Code)))
		if res.status != http.StatusOK {
			t.Fatalf("follow: %d %s", res.status, res.body)
		}
		var f grievance.Follow
		res.decode(t, &f)
		return f
	}
	if f := follow(); f.Status != grievance.StatusReceived || f.Attachments != 1 {
		t.Fatalf("follow %+v", f)
	}
	if res := e.do(t, "", "POST", "/api/v1/public/grievances/follow", `{"receipt_code":"AAAA-AAAA-AAAA-AAAA-AAAA"}`); res.status != http.StatusNotFound {
		t.Fatalf("unknown code: %d", res.status)
	}
	res = e.do(t, "", "POST", "/api/v1/public/grievances/information", fmt.Sprintf(`{"receipt_code":%q,"text":"Also on 3 November."}`, rc.Code))
	if res.status != http.StatusNoContent {
		t.Fatalf("add information: %d %s", res.status, res.body)
	}
	id := "/api/v1/grievances/" + rc.ID
	if res := e.do(t, "grievance_officer", "POST", id+"/acknowledge", `{"message":"Bien reçu."}`); res.status != http.StatusOK {
		t.Fatalf("acknowledge: %d %s", res.status, res.body)
	}
	f := follow()
	if f.Status != grievance.StatusAcknowledged || len(f.Messages) != 2 || f.Messages[1].Text != "Bien reçu." {
		t.Fatalf("follow after acknowledgement %+v", f)
	}
	// Officers and auditors read the grievance, never the contact.
	for _, who := range []string{"grievance_officer", "auditor"} {
		res := e.do(t, who, "GET", id, "")
		if res.status != http.StatusOK || strings.Contains(string(res.body), email) || !strings.Contains(string(res.body), `"has_contact":true`) {
			t.Fatalf("%s reads %d %s", who, res.status, res.body)
		}
	}
	if res := e.do(t, "auditor", "POST", id+"/contact", `{"passphrase":"`+testGrievancePass+`"}`); res.status != http.StatusForbidden {
		t.Fatalf("auditor opens the contact: %d", res.status)
	}
	if res := e.do(t, "grievance_officer", "POST", id+"/contact", `{"passphrase":"guess"}`); res.status != http.StatusForbidden {
		t.Fatalf("wrong passphrase: %d %s", res.status, res.body)
	}
	res = e.do(t, "grievance_officer", "POST", id+"/contact", `{"passphrase":"`+testGrievancePass+`"}`)
	var c grievance.Contact
	res.decode(t, &c)
	if res.status != http.StatusOK || c.Email != email {
		t.Fatalf("open contact: %d %+v", res.status, c)
	}
	// Neither the contact nor the receipt code reaches the server log.
	logs := e.logs.String()
	for _, secret := range []string{email, "R. K.", rc.Code, grievance.NormalizeReceipt(rc.Code), testGrievancePass} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}
	if !strings.Contains(logs, "grievance contact opened") {
		t.Errorf("the opening is not in the log:\n%s", logs)
	}
	// The submitter's file comes back as a download, never rendered.
	res = e.do(t, "auditor", "GET", "/api/v1/grievances/"+sampleGrievance+"/files/"+sampleFileSHA(), "")
	if res.status != http.StatusOK || string(res.body) != string(sampleFile) || !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(res.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("file: %d %v", res.status, res.header)
	}
}

func TestGrievanceAPIRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	for name, body := range map[string]string{
		"no subject":    `{"description":"x"}`,
		"html file":     `{"subject":"s","description":"d","attachments":[{"name":"x.html","content":"` + b64([]byte("<html><script>alert(1)</script></html>")) + `"}]}`,
		"big file":      `{"subject":"s","description":"d","attachments":[{"name":"x.txt","content":"` + b64([]byte(strings.Repeat("a", 600<<10))) + `"}]}`,
		"unknown field": `{"subject":"s","description":"d","surprise":1}`,
	} {
		res := e.do(t, "", "POST", "/api/v1/public/grievances", body)
		if res.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	huge := `{"subject":"s","description":"` + strings.Repeat("a", 2<<20) + `"}`
	if res := e.do(t, "", "POST", "/api/v1/public/grievances", huge); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body above the limit: %d", res.status)
	}
	if res := e.do(t, "grievance_officer", "POST", "/api/v1/grievances/"+sampleGrievance+"/close", `{"outcome":"forgotten"}`); res.status != http.StatusBadRequest {
		t.Errorf("unknown outcome: %d", res.status)
	}
}

// testClock is a settable clock for servers under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGrievanceRateLimit(t *testing.T) {
	clk := &testClock{t: time.Now()}
	e := newEnv(t, WithClock(clk.now), WithGrievanceRateLimit(time.Minute, 2))
	submit := func(addr string) *response {
		req := newRequest("POST", "/api/v1/public/grievances", `{"subject":"s","description":"d"}`)
		req.RemoteAddr = addr
		return e.serve(t, req)
	}
	for i := range 2 {
		if res := submit("203.0.113.7:4000"); res.status != http.StatusCreated {
			t.Fatalf("request %d within the burst: %d %s", i+1, res.status, res.body)
		}
	}
	res := submit("203.0.113.7:4001")
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "60" || res.problem(t).Code != codeRateLimited {
		t.Fatalf("third request: %d Retry-After %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	// Another address has its own bucket; an IPv6 client's whole /64
	// shares one.
	if res := submit("198.51.100.1:4000"); res.status != http.StatusCreated {
		t.Fatalf("another address: %d", res.status)
	}
	if res := submit("[2001:db8:1:2::1]:4000"); res.status != http.StatusCreated {
		t.Fatal(res.status)
	}
	if res := submit("[2001:db8:1:2::2]:4000"); res.status != http.StatusCreated {
		t.Fatal(res.status)
	}
	if res := submit("[2001:db8:1:2:ffff::9]:4000"); res.status != http.StatusTooManyRequests {
		t.Fatalf("same /64: %d", res.status)
	}
	// Following is limited apart from submitting.
	req := newRequest("POST", "/api/v1/public/grievances/follow", `{"receipt_code":"`+sampleReceipt+`"}`)
	req.RemoteAddr = "203.0.113.7:4002"
	if res := e.serve(t, req); res.status != http.StatusOK {
		t.Fatalf("follow from a limited address: %d", res.status)
	}
	clk.add(30 * time.Second)
	if res := submit("203.0.113.7:4000"); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "30" {
		t.Fatalf("after 30 s: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	clk.add(31 * time.Second)
	if res := submit("203.0.113.7:4000"); res.status != http.StatusCreated {
		t.Fatalf("after the refill: %d", res.status)
	}
}

func TestGrievanceFiguresAndOverdue(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "auditor", "GET", "/api/v1/grievance-figures?from=2026-01-01", "")
	var f GrievanceFigures
	res.decode(t, &f)
	if res.status != http.StatusOK || f.Received != 1 || f.ByChannel[grievance.ChannelWeb] != 1 {
		t.Fatalf("figures %d %+v", res.status, f)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/grievance-figures?from=tuesday", ""); res.status != http.StatusBadRequest {
		t.Fatalf("bad from: %d", res.status)
	}
	res = e.do(t, "analyst", "GET", "/api/v1/grievance-overdue", "")
	var rep grievance.OverdueReport
	if err := json.Unmarshal(res.body, &rep); err != nil || res.status != http.StatusOK {
		t.Fatalf("overdue %d %s", res.status, res.body)
	}
}
