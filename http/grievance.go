package http

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
	"golang.org/x/time/rate"
)

// The grievance channel: a public API (and, in ui_grievance.go, a public
// form) that anyone may use without an account, rate-limited per client
// address; and the officers' API to handle grievances and keep the
// stakeholder-engagement record. Submitters' contact details are sealed
// by package grievance before they reach the store and are never logged:
// no handler here logs a request body.

// grievanceEdge is the server's grievance service and the rate limits of
// its public routes.
type grievanceEdge struct {
	mu      sync.Mutex // guards the service built on first use
	svc     *grievance.Service
	cfg     grievance.Config // for the service built on first use
	err     error            // why there is no service, when there is none
	limiter *clientLimiter
}

// Default rate limit of the public grievance routes, per client address
// and route: a burst of 20, then one request every three minutes. People
// send a grievance or two; a script sending hundreds is refused early.
const (
	defaultGrievanceBurst = 20
	defaultGrievanceEvery = 3 * time.Minute
)

// WithGrievances serves the grievance channel through svc (its deadlines,
// limits and key). Without it the server builds a service over its store
// (WithGrievanceConfig, or the default deadlines and no key, which takes
// anonymous grievances only).
func WithGrievances(svc *grievance.Service) Option {
	return func(s *Server) { s.grievanceEdge().svc = svc }
}

// WithGrievanceConfig serves the grievance channel over the server's
// store with these deadlines, limits and key directory; the server's clock
// is used when cfg.Now is nil.
func WithGrievanceConfig(cfg grievance.Config) Option {
	return func(s *Server) { s.grievanceEdge().cfg = cfg }
}

// WithGrievanceRateLimit sets the public routes' rate limit per client
// address and route: burst requests at once, then one every interval.
func WithGrievanceRateLimit(every time.Duration, burst int) Option {
	return func(s *Server) {
		e := s.grievanceEdge()
		e.limiter = newClientLimiter(every, burst, func() time.Time { return s.now() })
	}
}

func (s *Server) grievanceEdge() *grievanceEdge {
	if s.grievances == nil {
		s.grievances = &grievanceEdge{}
	}
	return s.grievances
}

// grievanceService returns the service, building the default one on
// first use.
func (s *Server) grievanceService() (*grievance.Service, error) {
	e := s.grievanceEdge()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.svc == nil && e.err == nil {
		gs, err := grievance.StoreOf(s.store)
		if err == nil {
			cfg := e.cfg
			if cfg.Now == nil {
				cfg.Now = s.now
			}
			e.svc, err = grievance.NewService(gs, cfg)
		}
		e.err = err
	}
	return e.svc, e.err
}

func (s *Server) grievanceLimiter() *clientLimiter {
	e := s.grievanceEdge()
	if e.limiter == nil {
		e.limiter = newClientLimiter(defaultGrievanceEvery, defaultGrievanceBurst, func() time.Time { return s.now() })
	}
	return e.limiter
}

// ---- rate limit ----

// clientLimiter is a token bucket per client address and route. Buckets
// that have been full for a while are dropped, so the map stays bounded by
// the clients of the last hour or so.
type clientLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(every time.Duration, burst int, now func() time.Time) *clientLimiter {
	if burst < 1 {
		burst = 1
	}
	return &clientLimiter{every: rate.Every(every), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for the key, or says how long until one is there.
func (l *clientLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > 10*time.Minute {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Hour
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops buckets unused for longer than it takes to refill them.
func (l *clientLimiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// clientKey is the address a request comes from: the peer's IP, and for
// IPv6 its /64, which one household or phone usually holds whole.
// Forwarded-for headers are not trusted: any client can write them.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

const codeRateLimited = "rate_limited"

// rateLimited takes a token for the request's client and route, and
// answers 429 with Retry-After when none is left.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, route string) bool {
	ok, wait := s.grievanceLimiter().allow(clientKey(r) + " " + route)
	if ok {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	s.logger.Info("grievance channel: rate limit", "route", route, "client", clientKey(r), "retry_after_s", secs, "request_id", requestIDFrom(r.Context()))
	return true
}

func (s *Server) writeRateLimited(w http.ResponseWriter, r *http.Request) {
	p := Problem{Type: problemTypeBase + codeRateLimited, Title: http.StatusText(http.StatusTooManyRequests), Status: http.StatusTooManyRequests,
		Detail: "too many requests from this address; try again after the time in Retry-After", Instance: r.URL.Path, Code: codeRateLimited,
		RequestID: requestIDFrom(r.Context())}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(p)
}

// ---- request and answer types ----

// GrievanceSubmission is the body of POST /api/v1/public/grievances.
type GrievanceSubmission struct {
	Subject     string `json:"subject"`
	Description string `json:"description"`
	// About names what the grievance concerns (a customer, a service, a
	// place), in the submitter's words.
	About string `json:"about,omitempty"`
	// Language of the answers: en or fr.
	Language string `json:"language,omitempty"`
	// Contact is sealed at once; leave it out to stay anonymous.
	Contact     *grievance.Contact `json:"contact,omitempty"`
	Attachments []UploadedFile     `json:"attachments,omitempty"`
}

// UploadedFile is a file sent with a grievance: PDF, PNG, JPEG or plain
// text, checked by its bytes, base64 in JSON.
type UploadedFile struct {
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// ReceiptRequest names a grievance by its receipt code. The code travels
// in a POST body, never in a URL, so that it stays out of access logs and
// browser histories.
type ReceiptRequest struct {
	ReceiptCode string `json:"receipt_code"`
}

// GrievanceInformation is what a submitter adds with the receipt code.
type GrievanceInformation struct {
	ReceiptCode string         `json:"receipt_code"`
	Text        string         `json:"text"`
	Attachments []UploadedFile `json:"attachments,omitempty"`
}

// GrievanceText is an officer's message to the submitter: an
// acknowledgement or an answer.
type GrievanceText struct {
	Message string `json:"message"`
}

// GrievanceClosing closes a grievance.
type GrievanceClosing struct {
	Outcome     grievance.Outcome `json:"outcome"`
	LedToAction bool              `json:"led_to_action"`
	// Note is shown to the submitter, when given.
	Note string `json:"note,omitempty"`
}

// ContactOpening carries the grievance key's passphrase.
type ContactOpening struct {
	Passphrase string `json:"passphrase"`
}

// FileOpening carries the grievance key's passphrase to open a sealed
// file.
type FileOpening struct {
	Passphrase string `json:"passphrase"`
}

// GrievanceRecord is a grievance as its reader may see it, with its
// deadline flags now. It never holds the contact details; for a reader
// whose role neither handles grievances nor works cases it holds the
// metadata only, and ContentWithheld says why.
type GrievanceRecord struct {
	grievance.Grievance
	Overdue grievance.OverdueFlags `json:"overdue"`
	// ContentWithheld is set when the subject, description, about,
	// triage note, exchanges and files were left out for this reader.
	ContentWithheld string `json:"content_withheld,omitempty"`
}

// grievanceContent is who reads what people wrote and sent to the
// channel (grievance.ContentPermissions): grievance officers, and
// analysts who triage grievances into cases.
var grievanceContent = access{perm: vigil.PermHandleGrievances, or: vigil.PermWorkCases}

// contentWithheld explains to a reader why a grievance shows its
// metadata only.
func contentWithheld(u *vigil.User) string {
	return fmt.Sprintf("content withheld: the texts, triage note, exchanges and files of grievances are shown only to roles with %s or %s; role %s has neither",
		vigil.PermHandleGrievances, vigil.PermWorkCases, u.Role)
}

// grievanceRecord is g as the caller may see it.
func grievanceRecord(ctx context.Context, g *grievance.Grievance, flags grievance.OverdueFlags) GrievanceRecord {
	if u := userFrom(ctx); !grievanceContent.allows(u, "") {
		return GrievanceRecord{Grievance: *g.Metadata(), Overdue: flags, ContentWithheld: contentWithheld(u)}
	}
	return GrievanceRecord{Grievance: *g, Overdue: flags}
}

// GrievanceDetail is one grievance and its exchanges with the submitter.
type GrievanceDetail struct {
	Grievance GrievanceRecord       `json:"grievance"`
	Exchanges []*grievance.Exchange `json:"exchanges"`
}

// GrievanceFigures are the channel's effectiveness figures over a period.
type GrievanceFigures struct {
	grievance.Figures
}

// PromiseRequest is a promise made in an engagement.
type PromiseRequest struct {
	Text string     `json:"text"`
	Due  vigil.Date `json:"due"`
}

// PromiseAnswer is the answer that keeps a promise.
type PromiseAnswer struct {
	Answer string `json:"answer"`
}

func (s *Server) grievanceRoutes() []route {
	var (
		public  = access{}
		read    = access{perm: vigil.PermRead}
		handle  = access{perm: vigil.PermHandleGrievances}
		content = grievanceContent
	)
	// Built here, while the server is set up, so that requests only read it.
	s.grievanceLimiter()
	id := "/api/v1/grievances/{id}"
	return []route{
		{method: "POST", path: "/api/v1/public/grievances", access: public, op: "submitGrievance", tag: "grievances",
			summary: "Submit a grievance, anonymously or with contact details (sealed at once, readable only by a grievance officer holding the key). No account needed. The receipt code in the answer is shown only once: with it the submitter follows the grievance and adds information. Rate-limited per address (429 with Retry-After).",
			body:    typeOf[GrievanceSubmission](), status: http.StatusCreated, result: typeOf[grievance.Receipt](), handle: s.handleSubmitGrievance},
		{method: "POST", path: "/api/v1/public/grievances/follow", access: public, op: "followGrievance", tag: "grievances",
			summary: "The status of a grievance in plain terms and the messages exchanged, for the holder of its receipt code. Rate-limited per address.",
			body:    typeOf[ReceiptRequest](), status: http.StatusOK, result: typeOf[grievance.Follow](), handle: s.handleFollowGrievance},
		{method: "POST", path: "/api/v1/public/grievances/information", access: public, op: "addGrievanceInformation", tag: "grievances",
			summary: "Add information (text and files) to a grievance with its receipt code. Rate-limited per address.",
			body:    typeOf[GrievanceInformation](), status: http.StatusNoContent, handle: s.handleAddGrievanceInformation},
		{method: "GET", path: "/api/v1/grievances", access: read, op: "listGrievances", tag: "grievances",
			summary: "List grievances, newest first, with their deadline flags (never contact details). Readers without handle_grievances or work_cases get the metadata only (no subject, description, about, triage note or files; content_withheld says so).",
			query: []param{
				{name: "status", typ: "string", desc: "Only this status.", enum: strs(grievance.Statuses)},
				{name: "overdue", typ: "string", desc: "true: only open grievances past a deadline.", enum: []string{"true", "false"}},
				{name: "party_id", typ: "string", desc: "Only grievances triaged to this party."},
				{name: paramAfter, typ: "string", desc: "Cursor: the next value of the previous page."},
				{name: paramLimit, typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
			},
			status: http.StatusOK, result: typeOf[GrievanceRecord](), page: true, handle: s.handleListGrievances},
		{method: "GET", path: "/api/v1/grievance-overdue", access: read, op: "overdueGrievances", tag: "grievances",
			summary: "Grievances past their acknowledgement or answer deadline and engagement promises past their due date, oldest first. Readers without handle_grievances or work_cases get each grievance's metadata only.",
			status:  http.StatusOK, result: typeOf[grievance.OverdueReport](), handle: s.handleOverdueGrievances},
		{method: "GET", path: "/api/v1/grievance-figures", access: read, op: "grievanceFigures", tag: "grievances",
			summary: "Effectiveness figures (UNGP 31) of the grievances received in a period: counts, hours to acknowledge and to answer (median, 90th percentile), outcomes, share that led to action.",
			query: []param{
				{name: "from", typ: "string", desc: "Start of the period, a date (2026-01-01) or RFC 3339 time; default 365 days ago."},
				{name: "to", typ: "string", desc: "End of the period (excluded); default now."},
			},
			status: http.StatusOK, result: typeOf[GrievanceFigures](), handle: s.handleGrievanceFigures},
		{method: "GET", path: id, access: read, op: "getGrievance", tag: "grievances",
			summary: "One grievance with its exchanges with the submitter (never contact details). Readers without handle_grievances or work_cases get the metadata only: no subject, description, about, triage note, exchanges or files, and content_withheld says why.",
			status:  http.StatusOK, result: typeOf[GrievanceDetail](), handle: s.handleGetGrievance},
		{method: "GET", path: id + "/files/{sha}", access: content, op: "getGrievanceFile", tag: "grievances",
			summary: "A file the submitter sent, as a download. A sealed file (sealed: true in the grievance) answers 409: open it with POST .../files/{sha}/open and the grievance key's passphrase.",
			status:  http.StatusOK, contentType: "application/octet-stream", conflicts: true, handle: s.handleGrievanceFile},
		{method: "POST", path: id + "/files/{sha}/open", access: handle, op: "openGrievanceFile", tag: "grievances",
			summary: "Open a sealed file the submitter sent with the grievance key's passphrase, as a download; every opening is recorded in the proof log (grievance.attachment_opened), a wrong passphrase opens and records nothing. A file that is not sealed answers 409: download it.",
			body:    typeOf[FileOpening](), status: http.StatusOK, contentType: "application/octet-stream", handle: s.handleOpenGrievanceFile},
		{method: "POST", path: id + "/acknowledge", access: handle, op: "acknowledgeGrievance", tag: "grievances",
			summary: "Acknowledge a grievance with a message to the submitter; the event says whether the deadline was met.",
			body:    typeOf[GrievanceText](), status: http.StatusOK, result: typeOf[GrievanceRecord](), handle: s.handleAcknowledgeGrievance},
		{method: "POST", path: id + "/triage", access: handle, op: "triageGrievance", tag: "grievances",
			summary: "Link a grievance to parties, subscriptions and cases, with a note for officers.",
			body:    typeOf[grievance.Triage](), status: http.StatusOK, result: typeOf[GrievanceRecord](), handle: s.handleTriageGrievance},
		{method: "POST", path: id + "/answer", access: handle, op: "answerGrievance", tag: "grievances",
			summary: "Answer a grievance; the event says whether the deadline was met.",
			body:    typeOf[GrievanceText](), status: http.StatusOK, result: typeOf[GrievanceRecord](), handle: s.handleAnswerGrievance},
		{method: "POST", path: id + "/close", access: handle, op: "closeGrievance", tag: "grievances",
			summary: "Close a grievance with its outcome and whether it led to action.",
			body:    typeOf[GrievanceClosing](), status: http.StatusOK, result: typeOf[GrievanceRecord](), handle: s.handleCloseGrievance},
		{method: "POST", path: id + "/contact", access: handle, op: "openGrievanceContact", tag: "grievances",
			summary: "Open the submitter's sealed contact details with the grievance key's passphrase; every opening is recorded in the proof log.",
			body:    typeOf[ContactOpening](), status: http.StatusOK, result: typeOf[grievance.Contact](), handle: s.handleOpenGrievanceContact},
		{method: "GET", path: "/api/v1/engagements", access: read, op: "listEngagements", tag: "engagements",
			summary: "The stakeholder-engagement record: letters and meetings, newest first.",
			query: []param{
				{name: "stakeholder_type", typ: "string", desc: "Only this kind of stakeholder.", enum: strs(grievance.StakeholderTypes)},
				{name: "party_id", typ: "string", desc: "Only engagements about this party."},
			},
			status: http.StatusOK, result: typeOf[grievance.Engagement](), page: true, handle: s.handleListEngagements},
		{method: "POST", path: "/api/v1/engagements", access: handle, op: "recordEngagement", tag: "engagements",
			summary: "Record a letter or meeting with stakeholders: who, when, what was asked.",
			body:    typeOf[grievance.Engagement](), status: http.StatusCreated, result: typeOf[grievance.Engagement](), handle: s.handleRecordEngagement},
		{method: "GET", path: "/api/v1/engagements/{id}/promises", access: read, op: "listPromises", tag: "engagements",
			summary: "What was promised in an engagement, by which date, and what was answered.",
			status:  http.StatusOK, result: typeOf[grievance.Promise](), page: true, handle: s.handleListPromises},
		{method: "POST", path: "/api/v1/engagements/{id}/promises", access: handle, op: "addPromise", tag: "engagements",
			summary: "Record a promise made in an engagement and the date it is due by.",
			body:    typeOf[PromiseRequest](), status: http.StatusCreated, result: typeOf[grievance.Promise](), handle: s.handleAddPromise},
		{method: "POST", path: "/api/v1/promises/{id}/answer", access: handle, op: "answerPromise", tag: "engagements",
			summary: "Record the answer that keeps a promise; the event says whether it came by the due date.",
			body:    typeOf[PromiseAnswer](), status: http.StatusOK, result: typeOf[grievance.Promise](), handle: s.handleAnswerPromise},
	}
}

// checkUploads turns uploaded files into checked attachments.
func checkUploads(svc *grievance.Service, files []UploadedFile) ([]grievance.File, error) {
	l := svc.Limits()
	if len(files) > l.MaxAttachments {
		return nil, vigil.FieldError("attachments", "at most %d files", l.MaxAttachments)
	}
	var out []grievance.File
	for _, f := range files {
		a, err := l.CheckAttachment(f.Name, f.Content, svc.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Server) handleSubmitGrievance(w http.ResponseWriter, r *http.Request) error {
	if s.rateLimited(w, r, "submit") {
		s.writeRateLimited(w, r)
		return nil
	}
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req GrievanceSubmission
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	atts, err := checkUploads(svc, req.Attachments)
	if err != nil {
		return err
	}
	sub := grievance.Submission{Channel: grievance.ChannelAPI, Language: req.Language, Subject: req.Subject, Description: req.Description,
		About: req.About, Attachments: atts}
	if req.Contact != nil {
		sub.Contact = *req.Contact
	}
	rc, err := svc.Submit(r.Context(), sub)
	if err != nil {
		return err
	}
	s.logger.Info("grievance received", "id", rc.ID, "channel", "api", "request_id", requestIDFrom(r.Context()))
	s.writeJSON(w, r, http.StatusCreated, rc)
	return nil
}

func (s *Server) handleFollowGrievance(w http.ResponseWriter, r *http.Request) error {
	if s.rateLimited(w, r, "follow") {
		s.writeRateLimited(w, r)
		return nil
	}
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req ReceiptRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f, err := svc.Follow(r.Context(), req.ReceiptCode)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, f)
	return nil
}

func (s *Server) handleAddGrievanceInformation(w http.ResponseWriter, r *http.Request) error {
	if s.rateLimited(w, r, "information") {
		s.writeRateLimited(w, r)
		return nil
	}
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req GrievanceInformation
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	atts, err := checkUploads(svc, req.Attachments)
	if err != nil {
		return err
	}
	if err := svc.AddInformation(r.Context(), req.ReceiptCode, req.Text, atts); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleListGrievances(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	qs, err := parseQuery(r)
	if err != nil {
		return err
	}
	q := grievance.Query{Now: svc.Now(), Limit: defaultLimit}
	for name, vals := range qs {
		v := vals[0]
		switch name {
		case "status":
			q.Status = grievance.Status(v)
		case "overdue":
			q.Overdue = v == "true"
		case "party_id":
			q.PartyID = v
		case paramAfter:
			q.After = v
		case paramLimit:
			if q.Limit, err = parseLimit(v); err != nil {
				return err
			}
		default:
			return vigil.FieldError(name, "unknown parameter (status, overdue, party_id, after, limit)")
		}
	}
	pg, err := svc.Store().ListGrievances(r.Context(), q)
	if err != nil {
		return err
	}
	items := make([]GrievanceRecord, 0, len(pg.Items))
	for _, g := range pg.Items {
		items = append(items, grievanceRecord(r.Context(), g, g.Overdue(q.Now)))
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[GrievanceRecord]{Items: items, Next: pg.Next})
	return nil
}

func (s *Server) handleOverdueGrievances(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	rep, err := svc.Overdue(r.Context())
	if err != nil {
		return err
	}
	if u := userFrom(r.Context()); !grievanceContent.allows(u, "") {
		rep.ContentWithheld = contentWithheld(u)
		for i := range rep.Grievances {
			rep.Grievances[i].Grievance = rep.Grievances[i].Grievance.Metadata()
		}
	}
	s.writeJSON(w, r, http.StatusOK, rep)
	return nil
}

// parsePeriodBound reads a date or an RFC 3339 time.
func parsePeriodBound(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, vigil.FieldError(field, "%q is neither a date (2026-01-01) nor an RFC 3339 time", v)
}

func (s *Server) handleGrievanceFigures(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	qs, err := parseQuery(r)
	if err != nil {
		return err
	}
	now := svc.Now()
	from, to := now.AddDate(-1, 0, 0), now
	for name, vals := range qs {
		switch name {
		case "from":
			from, err = parsePeriodBound(name, vals[0])
		case "to":
			to, err = parsePeriodBound(name, vals[0])
		default:
			err = vigil.FieldError(name, "unknown parameter (from, to)")
		}
		if err != nil {
			return err
		}
	}
	if !to.After(from) {
		return vigil.FieldError("to", "the period ends before it starts")
	}
	f, err := grievance.Effectiveness(r.Context(), svc.Store(), from, to, now)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, GrievanceFigures{Figures: *f})
	return nil
}

func (s *Server) handleGetGrievance(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	g, ups, flags, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rec := grievanceRecord(r.Context(), g, flags)
	if rec.ContentWithheld != "" {
		ups = []*grievance.Exchange{}
	}
	s.writeJSON(w, r, http.StatusOK, GrievanceDetail{Grievance: rec, Exchanges: ups})
	return nil
}

// serveGrievanceFile sends a submitter's file as a download that no
// browser renders in this site's origin: attachment disposition, the
// sniffed type, nosniff and a sandboxing policy.
func serveGrievanceFile(w http.ResponseWriter, a *grievance.File, content []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q; filename*=UTF-8''%s", asciiName(a.Name), urlPathEscape(a.Name)))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content)
}

func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}

func urlPathEscape(s string) string {
	var sb strings.Builder
	for _, b := range []byte(s) {
		if (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '.' || b == '-' || b == '_' {
			sb.WriteByte(b)
		} else {
			fmt.Fprintf(&sb, "%%%02X", b)
		}
	}
	return sb.String()
}

func (s *Server) handleGrievanceFile(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	a, content, err := svc.Store().GrievanceAttachment(r.Context(), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	if a.Sealed {
		return errFileSealed(r.PathValue("id"), a)
	}
	serveGrievanceFile(w, a, content)
	return nil
}

// errFileSealed refuses to download a sealed file: its stored bytes are
// ciphertext, and opening it takes the key's passphrase and is recorded.
func errFileSealed(id string, a *grievance.File) error {
	return vigil.Errorf(vigil.ECONFLICT, "file %s of grievance %s is sealed with the grievance key: open it with POST /api/v1/grievances/%s/files/%s/open and the key's passphrase (a grievance officer; each opening is recorded)",
		a.SHA256, id, id, a.SHA256)
}

func (s *Server) handleOpenGrievanceFile(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req FileOpening
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id, sha, actor := r.PathValue("id"), r.PathValue("sha"), actorFrom(r.Context())
	a, content, err := svc.OpenAttachment(r.Context(), id, sha, req.Passphrase, actor)
	if err != nil {
		return err
	}
	s.logger.Info("grievance file opened", "id", id, "sha256", sha, "user", actor, "request_id", requestIDFrom(r.Context()))
	serveGrievanceFile(w, a, content)
	return nil
}

func (s *Server) grievanceStep(w http.ResponseWriter, r *http.Request, body any, step func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error)) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	if err := decodeJSON(r, body); err != nil {
		return err
	}
	g, err := step(r.Context(), svc, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, GrievanceRecord{Grievance: *g, Overdue: g.Overdue(svc.Now())})
	return nil
}

func (s *Server) handleAcknowledgeGrievance(w http.ResponseWriter, r *http.Request) error {
	var req GrievanceText
	return s.grievanceStep(w, r, &req, func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
		return svc.Acknowledge(ctx, id, req.Message, actorFrom(ctx))
	})
}

func (s *Server) handleTriageGrievance(w http.ResponseWriter, r *http.Request) error {
	var req grievance.Triage
	return s.grievanceStep(w, r, &req, func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
		return svc.Triage(ctx, id, req, actorFrom(ctx))
	})
}

func (s *Server) handleAnswerGrievance(w http.ResponseWriter, r *http.Request) error {
	var req GrievanceText
	return s.grievanceStep(w, r, &req, func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
		return svc.Answer(ctx, id, req.Message, actorFrom(ctx))
	})
}

func (s *Server) handleCloseGrievance(w http.ResponseWriter, r *http.Request) error {
	var req GrievanceClosing
	return s.grievanceStep(w, r, &req, func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
		return svc.Close(ctx, id, req.Outcome, req.LedToAction, req.Note, actorFrom(ctx))
	})
}

func (s *Server) handleOpenGrievanceContact(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req ContactOpening
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.OpenContact(r.Context(), r.PathValue("id"), req.Passphrase, actorFrom(r.Context()))
	if err != nil {
		return err
	}
	s.logger.Info("grievance contact opened", "id", r.PathValue("id"), "user", actorFrom(r.Context()), "request_id", requestIDFrom(r.Context()))
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (s *Server) handleListEngagements(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	qs, err := parseQuery(r)
	if err != nil {
		return err
	}
	q := grievance.EngagementQuery{Limit: maxLimit}
	for name, vals := range qs {
		switch name {
		case "stakeholder_type":
			q.StakeholderType = grievance.StakeholderType(vals[0])
		case "party_id":
			q.PartyID = vals[0]
		default:
			return vigil.FieldError(name, "unknown parameter (stakeholder_type, party_id)")
		}
	}
	es, err := svc.Store().ListEngagements(r.Context(), q)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*grievance.Engagement]{Items: es})
	return nil
}

func (s *Server) handleRecordEngagement(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var e grievance.Engagement
	if err := decodeJSON(r, &e); err != nil {
		return err
	}
	if err := svc.RecordEngagement(r.Context(), &e, actorFrom(r.Context())); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, &e)
	return nil
}

func (s *Server) handleListPromises(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	if _, err := svc.Store().GetEngagement(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	ps, err := svc.Store().ListPromises(r.Context(), grievance.PromiseQuery{EngagementID: r.PathValue("id")})
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*grievance.Promise]{Items: ps})
	return nil
}

func (s *Server) handleAddPromise(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req PromiseRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := svc.Promise(r.Context(), r.PathValue("id"), req.Text, req.Due, actorFrom(r.Context()))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, p)
	return nil
}

func (s *Server) handleAnswerPromise(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.grievanceService()
	if err != nil {
		return err
	}
	var req PromiseAnswer
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := svc.AnswerPromise(r.Context(), r.PathValue("id"), req.Answer, actorFrom(r.Context()))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}
