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

// sampleFile is stored in clear, as files were before sealing existed;
// sampleSealedFile is sealed to the env's grievance key.
var (
	sampleFile       = []byte("%PDF-1.4\nsample\n%%EOF\n")
	sampleSealedFile = []byte("Sealed sample: names and places of the witnesses.\n")
)

func sampleFileSHA() string {
	sum := sha256.Sum256(sampleFile)
	return hex.EncodeToString(sum[:])
}

func sampleSealedFileSHA() string {
	sum := sha256.Sum256(sampleSealedFile)
	return hex.EncodeToString(sum[:])
}

func init() {
	envOptions = append(envOptions, grievanceEnv)
	id := "/api/v1/grievances/" + sampleGrievance
	receipt := `"receipt_code":"` + sampleReceipt + `"`
	for k, v := range map[string][]sample{
		"POST /api/v1/public/grievances":                {{path: "/api/v1/public/grievances", body: `{"subject":"Access test","description":"Sent by the access test"}`}},
		"POST /api/v1/public/grievances/follow":         {{path: "/api/v1/public/grievances/follow", body: "{" + receipt + "}"}},
		"POST /api/v1/public/grievances/information":    {{path: "/api/v1/public/grievances/information", body: "{" + receipt + `,"text":"more"}`}},
		"GET /api/v1/grievances":                        {{path: "/api/v1/grievances?overdue=false&limit=10"}},
		"GET /api/v1/grievance-overdue":                 {{path: "/api/v1/grievance-overdue"}},
		"GET /api/v1/grievance-figures":                 {{path: "/api/v1/grievance-figures?from=2026-01-01"}},
		"GET /api/v1/grievances/{id}":                   {{path: id}},
		"GET /api/v1/grievances/{id}/files/{sha}":       {{path: id + "/files/" + sampleFileSHA()}},
		"POST /api/v1/grievances/{id}/acknowledge":      {{path: id + "/acknowledge", body: `{"message":"Received"}`}},
		"POST /api/v1/grievances/{id}/triage":           {{path: id + "/triage", body: `{"party_ids":["unit"],"subscription_ids":[],"case_ids":["C1"],"note":"n"}`}},
		"POST /api/v1/grievances/{id}/answer":           {{path: id + "/answer", body: `{"message":"Our answer"}`}},
		"POST /api/v1/grievances/{id}/close":            {{path: id + "/close", body: `{"outcome":"upheld","led_to_action":true}`}},
		"POST /api/v1/grievances/{id}/contact":          {{path: id + "/contact", body: `{"passphrase":"` + testGrievancePass + `"}`}},
		"POST /api/v1/grievances/{id}/files/{sha}/open": {{path: id + "/files/" + sampleSealedFileSHA() + "/open", body: `{"passphrase":"` + testGrievancePass + `"}`}},
		"GET /api/v1/engagements":                       {{path: "/api/v1/engagements?stakeholder_type=union"}},
		"POST /api/v1/engagements":                      {{path: "/api/v1/engagements", body: `{"kind":"meeting","stakeholder_type":"union","stakeholders":"The union","date":"2026-11-01","asked":"A meeting"}`}},
		"GET /api/v1/engagements/{id}/promises":         {{path: "/api/v1/engagements/" + sampleEngagement + "/promises"}},
		"POST /api/v1/engagements/{id}/promises":        {{path: "/api/v1/engagements/" + sampleEngagement + "/promises", body: `{"text":"Answer in writing","due":"2026-12-31"}`}},
		"POST /api/v1/promises/{id}/answer":             {{path: "/api/v1/promises/" + samplePromise + "/answer", body: `{"answer":"Done"}`}},
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
	sf, err := svc.Limits().CheckAttachment("witnesses.txt", sampleSealedFile, now)
	if err != nil {
		t.Fatal(err)
	}
	if sf, err = grievance.SealFile(rcpt, sf); err != nil {
		t.Fatal(err)
	}
	g := &grievance.Grievance{ID: sampleGrievance, Channel: grievance.ChannelWeb, Language: "en", Subject: "Sample", Description: "A sample grievance",
		Status: grievance.StatusReceived, ReceivedAt: now, AckDue: now.Add(grievance.DefaultAckWithin), AnswerDue: now.Add(grievance.DefaultAnswerWithin),
		PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{}, Attachments: []grievance.File{f, sf}}
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
	// Officers and auditors read the grievance (auditors its metadata
	// only), never the contact.
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
	// A file in clear (stored before sealing existed) comes back as a
	// download, never rendered.
	res = e.do(t, "analyst", "GET", "/api/v1/grievances/"+sampleGrievance+"/files/"+sampleFileSHA(), "")
	if res.status != http.StatusOK || string(res.body) != string(sampleFile) {
		t.Fatalf("file: %d %v", res.status, res.header)
	}
	checkSafeDownload(t, res, "sample.pdf")
}

// checkSafeDownload checks the headers that keep a submitter's file from
// being rendered in this site's origin.
func checkSafeDownload(t *testing.T, res *response, name string) {
	t.Helper()
	h := res.header
	if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(h.Get("Content-Disposition"), name) || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Length") != fmt.Sprint(len(res.body)) {
		t.Errorf("download headers %v", h)
	}
}

// countEventsOf counts the store's events of one type.
func countEventsOf(t *testing.T, st vigil.Store, typ string) int {
	t.Helper()
	evs, err := st.ListEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// TestGrievanceAPISealedFiles: with a key, files sent through the API are
// sealed; the download route refuses them with a problem saying how to
// open them; opening takes the passphrase and a grievance officer, and
// writes exactly one event; a wrong passphrase writes none.
func TestGrievanceAPISealedFiles(t *testing.T) {
	e := newEnv(t)
	evidence := []byte("Statement of Samir P5-Quay: the operator's unit listens to the night shift.\n")
	sum := sha256.Sum256(evidence)
	sha := hex.EncodeToString(sum[:])
	body := fmt.Sprintf(`{"subject":"Night shift","description":"See the file.","attachments":[{"name":"statement.txt","content":%q}]}`, b64(evidence))
	res := e.do(t, "", "POST", "/api/v1/public/grievances", body)
	if res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	var rc grievance.Receipt
	res.decode(t, &rc)
	id := "/api/v1/grievances/" + rc.ID
	more := []byte("Second statement, by Ines V2-Dock.\n")
	sum2 := sha256.Sum256(more)
	res = e.do(t, "", "POST", "/api/v1/public/grievances/information", fmt.Sprintf(`{"receipt_code":%q,"text":"More.","attachments":[{"name":"more.txt","content":%q}]}`, rc.Code, b64(more)))
	if res.status != http.StatusNoContent {
		t.Fatalf("add information: %d %s", res.status, res.body)
	}

	var d GrievanceDetail
	res = e.do(t, "grievance_officer", "GET", id, "")
	res.decode(t, &d)
	if len(d.Grievance.Attachments) != 2 || !d.Grievance.Attachments[0].Sealed || !d.Grievance.Attachments[1].Sealed || d.Grievance.Attachments[0].SHA256 != sha {
		t.Fatalf("attachments %+v", d.Grievance.Attachments)
	}
	// The download route says to open it, and hands out nothing.
	for _, who := range []string{"grievance_officer", "analyst"} {
		res = e.do(t, who, "GET", id+"/files/"+sha, "")
		if p := res.problem(t); res.status != http.StatusConflict || !strings.Contains(p.Detail, "is sealed") || !strings.Contains(p.Detail, "/files/"+sha+"/open") {
			t.Fatalf("%s downloads a sealed file: %d %s", who, res.status, res.body)
		}
	}
	opened := func() int { return countEventsOf(t, e.store, vigil.EventGrievanceAttachmentOpened) }
	before := opened()
	res = e.do(t, "grievance_officer", "POST", id+"/files/"+sha+"/open", `{"passphrase":"guess"}`)
	if res.status != http.StatusForbidden || strings.Contains(string(res.body), "Samir") {
		t.Fatalf("wrong passphrase: %d %s", res.status, res.body)
	}
	// Permission first: the analyst, who may read grievances, may not
	// open a sealed file even with the passphrase.
	for _, who := range []string{"analyst", "auditor", "admin"} {
		if res := e.do(t, who, "POST", id+"/files/"+sha+"/open", `{"passphrase":"`+testGrievancePass+`"}`); res.status != http.StatusForbidden {
			t.Fatalf("%s opens a sealed file: %d", who, res.status)
		}
	}
	if n := opened(); n != before {
		t.Fatalf("refused openings wrote %d events", n-before)
	}
	res = e.do(t, "grievance_officer", "POST", id+"/files/"+sha+"/open", `{"passphrase":"`+testGrievancePass+`"}`)
	if res.status != http.StatusOK || string(res.body) != string(evidence) {
		t.Fatalf("open: %d %q", res.status, res.body)
	}
	checkSafeDownload(t, res, "statement.txt")
	if n := opened(); n != before+1 {
		t.Fatalf("%d attachment_opened events after one opening, want 1", n-before)
	}
	res = e.do(t, "grievance_officer", "POST", id+"/files/"+hex.EncodeToString(sum2[:])+"/open", `{"passphrase":"`+testGrievancePass+`"}`)
	if res.status != http.StatusOK || string(res.body) != string(more) {
		t.Fatalf("open the added file: %d %q", res.status, res.body)
	}
	// A file in clear is not opened (nothing to open, nothing recorded);
	// an unknown one is not found.
	sid := "/api/v1/grievances/" + sampleGrievance + "/files/"
	if res := e.do(t, "grievance_officer", "POST", sid+sampleFileSHA()+"/open", `{"passphrase":"`+testGrievancePass+`"}`); res.status != http.StatusConflict {
		t.Fatalf("open a file in clear: %d %s", res.status, res.body)
	}
	if res := e.do(t, "grievance_officer", "POST", sid+strings.Repeat("ab", 32)+"/open", `{"passphrase":"`+testGrievancePass+`"}`); res.status != http.StatusNotFound {
		t.Fatalf("open an unknown file: %d %s", res.status, res.body)
	}
	if n := opened(); n != before+2 {
		t.Fatalf("%d attachment_opened events after two openings, want 2", n-before)
	}
	logs := e.logs.String()
	for _, secret := range []string{"Samir P5-Quay", "Ines V2-Dock", testGrievancePass} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}
	if !strings.Contains(logs, "grievance file opened") {
		t.Errorf("the opening is not in the log")
	}
}

// TestGrievanceAPIContentByRole: every role reads the metadata of
// grievances; only roles with handle_grievances or work_cases read what
// the submitter wrote and sent, in the list, the record, the overdue
// report and the files.
func TestGrievanceAPIContentByRole(t *testing.T) {
	e := newEnv(t)
	// A grievance received 40 days ago, acknowledged late, triaged: its
	// answer is overdue, so the overdue report lists it.
	ctx := context.Background()
	gs, err := grievance.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	received := time.Now().UTC().Add(-40 * 24 * time.Hour).Truncate(time.Second)
	f, err := grievance.DefaultLimits.CheckAttachment("role-evidence.txt", []byte("evidence\n"), received)
	if err != nil {
		t.Fatal(err)
	}
	const gid = "GROLE"
	g := &grievance.Grievance{ID: gid, Channel: grievance.ChannelWeb, Language: "en", Subject: "Role subject Z3", Description: "Role description Z3",
		About: "Role about Z3", Status: grievance.StatusReceived, ReceivedAt: received, AckDue: received.Add(grievance.DefaultAckWithin),
		AnswerDue: received.Add(grievance.DefaultAnswerWithin), PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{}, Attachments: []grievance.File{f}}
	if err := gs.CreateGrievance(ctx, g, nil, grievance.ReceiptHash("ROLE-ROLE-ROLE-ROLE-ROLE"), "test"); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/grievances/" + gid
	for step, body := range map[string]string{"/triage": `{"party_ids":["unit"],"subscription_ids":[],"case_ids":["C-9"],"note":"Triage note Z3"}`,
		"/acknowledge": `{"message":"Acknowledgement text Z3"}`} {
		if res := e.do(t, "grievance_officer", "POST", path+step, body); res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", step, res.status, res.body)
		}
	}
	content := []string{"Role subject Z3", "Role description Z3", "Role about Z3", "Triage note Z3", "Acknowledgement text Z3", "role-evidence.txt"}
	for _, role := range vigil.Roles {
		u := e.users[string(role)]
		want := grievance.MayReadContent(role)
		if got := grievanceContent.allows(u, ""); got != want {
			t.Errorf("%s: the API's content rule says %v, package grievance %v", role, got, want)
		}
		one := e.do(t, string(role), "GET", path, "")
		list := e.do(t, string(role), "GET", "/api/v1/grievances", "")
		over := e.do(t, string(role), "GET", "/api/v1/grievance-overdue", "")
		for name, res := range map[string]*response{"record": one, "list": list, "overdue": over} {
			if res.status != http.StatusOK {
				t.Fatalf("%s, %s: %d %s", role, name, res.status, res.body)
			}
			b := string(res.body)
			// The metadata is there for everyone.
			for _, meta := range []string{gid, `"ack_due"`, `"answer_due"`, `"status":"acknowledged"`, `"ack_late":true`} {
				if !strings.Contains(b, meta) {
					t.Errorf("%s, %s: no %s", role, name, meta)
				}
			}
			if name != "overdue" && !strings.Contains(b, `"overdue":{"ack_overdue":false,"answer_overdue":true}`) {
				t.Errorf("%s, %s: no deadline flags: %s", role, name, b)
			}
			if !strings.Contains(b, `"case_ids":["C-9"]`) || !strings.Contains(b, `"party_ids":["unit"]`) {
				t.Errorf("%s, %s: the links are missing", role, name)
			}
			for _, c := range content {
				if name != "record" && (c == "Acknowledgement text Z3") {
					continue // exchanges are in the record only
				}
				if strings.Contains(b, c) != want {
					t.Errorf("%s, %s: holds %q = %v, want %v", role, name, c, !want, want)
				}
			}
			if strings.Contains(b, "content_withheld") == want {
				t.Errorf("%s, %s: content_withheld note = %v, want %v", role, name, !want, !want)
			}
		}
		var d GrievanceDetail
		one.decode(t, &d)
		if !want && (len(d.Exchanges) != 0 || len(d.Grievance.Attachments) != 0 || !strings.Contains(d.Grievance.ContentWithheld, "role "+string(role))) {
			t.Errorf("%s: detail %+v", role, d)
		}
		file := e.do(t, string(role), "GET", path+"/files/"+f.SHA256, "")
		if want && file.status != http.StatusOK || !want && file.status != http.StatusForbidden {
			t.Errorf("%s downloads a file: %d", role, file.status)
		}
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
