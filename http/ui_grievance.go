package http

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/i18n"
)

// The grievance channel in the browser: the public pages under
// /grievance/ (no account: a form in English or French, a receipt page
// shown once, a status page opened with the receipt code), and the
// officers' pages under /ui/ (the inbox with deadlines, one grievance
// with its triage, acknowledgement, answer, closing and contact forms,
// and the engagement record). Every text a submitter sends goes through
// html/template, which escapes it for its context; none is ever marked
// safe.

func (u *webUI) grievanceRoutes() []uiRoute {
	var (
		public  = access{}
		read    = access{perm: vigil.PermRead}
		handle  = access{perm: vigil.PermHandleGrievances}
		content = grievanceContent
	)
	return []uiRoute{
		{"GET", "/grievance", public, func(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
			http.Redirect(w, r, "/grievance/"+langQuery(r), http.StatusSeeOther)
			return nil
		}},
		{"GET", "/grievance/{$}", public, u.handleGrievanceForm},
		{"POST", "/grievance/{$}", public, u.handleGrievanceSubmit},
		{"GET", "/grievance/status", public, u.handleGrievanceStatusForm},
		{"POST", "/grievance/status", public, u.handleGrievanceStatus},
		{"POST", "/grievance/information", public, u.handleGrievanceInformation},
		{"GET", "/ui/grievances", read, u.handleGrievanceInbox},
		{"GET", "/ui/grievances/{id}", read, u.handleGrievancePage},
		{"GET", "/ui/grievances/{id}/files/{sha}", content, u.handleGrievancePageFile},
		{"POST", "/ui/grievances/{id}/files/{sha}/open", handle, u.handleGrievanceFileOpen},
		{"POST", "/ui/grievances/{id}/acknowledge", handle, u.grievanceAction("acknowledged")},
		{"POST", "/ui/grievances/{id}/triage", handle, u.grievanceAction("triaged")},
		{"POST", "/ui/grievances/{id}/answer", handle, u.grievanceAction("answered")},
		{"POST", "/ui/grievances/{id}/close", handle, u.grievanceAction("closed")},
		{"POST", "/ui/grievances/{id}/contact", handle, u.handleGrievanceContact},
		{"GET", "/ui/engagements", read, u.handleEngagements},
		{"POST", "/ui/engagements", handle, u.handleEngagementAdd},
		{"POST", "/ui/engagements/{id}/promises", handle, u.handlePromiseAdd},
		{"POST", "/ui/promises/{id}/answer", handle, u.handlePromiseAnswer},
	}
}

// ---- public pages ----

// publicPage is what the public templates receive.
type publicPage struct {
	L     *i18n.Localizer
	CSRF  string
	Title string
	// Other is the other language's code, for the switch link.
	Other string
	Path  string
	Data  any
}

var (
	publicOnce  sync.Once
	publicPages map[string]*template.Template
	publicErr   error
)

// parsePublicTemplates compiles each public page with the public layout,
// which has no navigation and no sign-in. Compiled once per process: the
// templates are embedded and never change.
func parsePublicTemplates() (map[string]*template.Template, error) {
	publicOnce.Do(func() {
		publicPages = map[string]*template.Template{}
		for _, name := range []string{"public_form.html", "public_receipt.html", "public_status.html"} {
			t, err := template.New(name).ParseFS(uiTemplateFS, "templates/public_layout.html", "templates/"+name)
			if err != nil {
				publicErr = fmt.Errorf("parse template %s: %w", name, err)
				return
			}
			publicPages[name] = t
		}
	})
	return publicPages, publicErr
}

// publicLang picks the language of a public page: ?lang= or the form's
// lang field, then the browser's Accept-Language. It replaces the signed-in
// users' language cookie, which a submitter does not have.
func (u *webUI) publicLang(r *http.Request, q *uiRequest) {
	choice := r.URL.Query().Get("lang")
	if choice == "" && r.Method == http.MethodPost {
		choice = r.PostFormValue("lang")
	}
	q.L = u.msgs.For(u.msgs.Match(choice, r.Header.Get("Accept-Language")))
}

func langQuery(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "fr" || l == "en" {
		return "?lang=" + l
	}
	return ""
}

func (u *webUI) renderPublic(w http.ResponseWriter, r *http.Request, q *uiRequest, status int, name, title string, data any) error {
	pages, err := parsePublicTemplates()
	if err != nil {
		return err
	}
	t := pages[name]
	if t == nil {
		return fmt.Errorf("no public template %q", name)
	}
	other := "fr"
	if q.L.Code() == "fr" {
		other = "en"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "publiclayout", publicPage{L: q.L, CSRF: q.csrf, Title: title, Other: other, Path: r.URL.Path, Data: data}); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = buf.WriteTo(w)
	return err
}

// grievanceForm is the public form and what the submitter typed, kept
// when the form comes back with an error.
type grievanceForm struct {
	Subject, Description, About string
	Name, Email, Phone, Other   string
	Error                       string
	TakesContact                bool
	SealsFiles                  bool
	MaxFiles                    int
	MaxFileKB                   int64
	AckDays, AnswerDays         int
}

func (u *webUI) newGrievanceForm() (*grievanceForm, *grievance.Service, error) {
	svc, err := u.s.grievanceService()
	if err != nil {
		return nil, nil, err
	}
	ack, answer := svc.Deadlines()
	l := svc.Limits()
	return &grievanceForm{TakesContact: svc.TakesContact(), SealsFiles: svc.SealsFiles(), MaxFiles: l.MaxAttachments, MaxFileKB: l.MaxAttachmentBytes >> 10,
		AckDays: int(ack.Hours() / 24), AnswerDays: int(answer.Hours() / 24)}, svc, nil
}

func (u *webUI) handleGrievanceForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	u.publicLang(r, q)
	f, _, err := u.newGrievanceForm()
	if err != nil {
		return err
	}
	return u.renderPublic(w, r, q, http.StatusOK, "public_form.html", q.L.T("grv.form.title"), f)
}

// uploads reads the files of a multipart form and checks each one.
func uploads(r *http.Request, svc *grievance.Service) ([]grievance.File, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []grievance.File
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the browser sends an empty part when no file is chosen
		}
		if len(out) == svc.Limits().MaxAttachments {
			return nil, vigil.FieldError("files", "at most %d files", svc.Limits().MaxAttachments)
		}
		b, err := readPart(fh, svc.Limits().MaxAttachmentBytes)
		if err != nil {
			return nil, err
		}
		a, err := svc.Limits().CheckAttachment(fh.Filename, b, svc.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader, max int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return b, nil
}

// rateLimitedPage answers 429 with Retry-After and a page in the
// submitter's language.
func (u *webUI) rateLimitedPage(w http.ResponseWriter, r *http.Request, q *uiRequest, route string) bool {
	if !u.s.rateLimited(w, r, route) {
		return false
	}
	mins := 1
	if ra := w.Header().Get("Retry-After"); ra != "" {
		var secs int
		fmt.Sscan(ra, &secs)
		mins = max(1, (secs+59)/60)
	}
	if err := u.renderPublic(w, r, q, http.StatusTooManyRequests, "public_status.html", q.L.T("grv.limited.title"),
		&statusView{Error: q.L.T("grv.limited", mins)}); err != nil {
		u.logger.Error("render rate-limit page", "err", err)
	}
	return true
}

func (u *webUI) handleGrievanceSubmit(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	u.publicLang(r, q)
	if u.rateLimitedPage(w, r, q, "submit") {
		return nil
	}
	f, svc, err := u.newGrievanceForm()
	if err != nil {
		return err
	}
	f.Subject, f.Description, f.About = r.PostFormValue("subject"), r.PostFormValue("description"), r.PostFormValue("about")
	f.Name, f.Email, f.Phone, f.Other = r.PostFormValue("name"), r.PostFormValue("email"), r.PostFormValue("phone"), r.PostFormValue("other")
	again := func(err error) error {
		if code := vigil.ErrorCode(err); code != vigil.EINVALID {
			return err
		}
		f.Error = vigil.ErrorMessage(err)
		return u.renderPublic(w, r, q, http.StatusBadRequest, "public_form.html", q.L.T("grv.form.title"), f)
	}
	atts, err := uploads(r, svc)
	if err != nil {
		return again(err)
	}
	rc, err := svc.Submit(r.Context(), grievance.Submission{Channel: grievance.ChannelWeb, Language: q.L.Code(), Subject: f.Subject,
		Description: f.Description, About: f.About, Contact: grievance.Contact{Name: f.Name, Email: f.Email, Phone: f.Phone, Other: f.Other},
		Attachments: atts})
	if err != nil {
		return again(err)
	}
	u.logger.Info("grievance received", "id", rc.ID, "channel", "web", "request_id", requestIDFrom(r.Context()))
	return u.renderPublic(w, r, q, http.StatusCreated, "public_receipt.html", q.L.T("grv.receipt.title"), rc)
}

// statusView is the status page: the code form, or the grievance the code
// opened, in plain words.
type statusView struct {
	Code   string
	Follow *grievance.Follow
	// Sentence says where the grievance stands; Late says a promised
	// date passed.
	Sentence string
	Late     string
	Notice   string
	Error    string
	MaxFiles int
}

func (u *webUI) handleGrievanceStatusForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	u.publicLang(r, q)
	return u.renderPublic(w, r, q, http.StatusOK, "public_status.html", q.L.T("grv.status.title"), &statusView{})
}

func (u *webUI) handleGrievanceStatus(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	u.publicLang(r, q)
	if u.rateLimitedPage(w, r, q, "follow") {
		return nil
	}
	return u.renderStatus(w, r, q, r.PostFormValue("code"), "")
}

func (u *webUI) renderStatus(w http.ResponseWriter, r *http.Request, q *uiRequest, code, notice string) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	v := &statusView{Code: code, Notice: notice, MaxFiles: svc.Limits().MaxAttachments}
	f, err := svc.Follow(r.Context(), code)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		v.Error = q.L.T("grv.status.unknown")
		return u.renderPublic(w, r, q, http.StatusNotFound, "public_status.html", q.L.T("grv.status.title"), v)
	}
	if err != nil {
		return err
	}
	v.Follow = f
	now := svc.Now()
	L := q.L
	switch f.Status {
	case grievance.StatusReceived:
		v.Sentence = L.T("grv.plain.received", L.Date(f.AckDue), L.Date(f.AnswerDue))
		if now.After(f.AckDue) {
			v.Late = L.T("grv.plain.late", L.Date(f.AckDue))
		}
	case grievance.StatusAcknowledged:
		v.Sentence = L.T("grv.plain.acknowledged", L.Date(f.AnswerDue))
		if now.After(f.AnswerDue) {
			v.Late = L.T("grv.plain.late", L.Date(f.AnswerDue))
		}
	case grievance.StatusAnswered:
		v.Sentence = L.T("grv.plain.answered")
	case grievance.StatusClosed:
		v.Sentence = L.T("grv.plain.closed", L.Label("gout", string(f.Outcome)))
	}
	return u.renderPublic(w, r, q, http.StatusOK, "public_status.html", q.L.T("grv.status.title"), v)
}

func (u *webUI) handleGrievanceInformation(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	u.publicLang(r, q)
	if u.rateLimitedPage(w, r, q, "information") {
		return nil
	}
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	code := r.PostFormValue("code")
	atts, err := uploads(r, svc)
	if err == nil {
		err = svc.AddInformation(r.Context(), code, r.PostFormValue("text"), atts)
	}
	switch ecode := vigil.ErrorCode(err); {
	case err == nil:
		return u.renderStatus(w, r, q, code, q.L.T("grv.status.added"))
	case ecode == vigil.EINVALID || ecode == vigil.ECONFLICT:
		return u.renderStatusError(w, r, q, code, vigil.ErrorMessage(err))
	default:
		return err
	}
}

// renderStatusError shows the status page with a refusal of the
// information just sent.
func (u *webUI) renderStatusError(w http.ResponseWriter, r *http.Request, q *uiRequest, code, msg string) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	f, err := svc.Follow(r.Context(), code)
	if err != nil {
		return err
	}
	v := &statusView{Code: code, Follow: f, Error: msg, MaxFiles: svc.Limits().MaxAttachments}
	return u.renderPublic(w, r, q, http.StatusBadRequest, "public_status.html", q.L.T("grv.status.title"), v)
}

// ---- officers' pages ----

type inboxRow struct {
	G     *grievance.Grievance
	Flags grievance.OverdueFlags
}

type inboxView struct {
	Status   string
	Overdue  bool
	Statuses []string
	Rows     []inboxRow
	NextURL  string
	Now      time.Time
	// Counts of the open grievances past a deadline.
	AckOverdue, AnswerOverdue int
	Promises                  []grievance.OverduePromise
	CanHandle                 bool
	// Withheld, when set, says why the rows show no subjects: the
	// reader's role neither handles grievances nor works cases.
	Withheld string
}

func (u *webUI) handleGrievanceInbox(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	v := &inboxView{Status: qs.Get("status"), Overdue: qs.Get("overdue") == "true", Statuses: strs(grievance.Statuses), Now: svc.Now(),
		CanHandle: q.can(vigil.PermHandleGrievances), Withheld: withheldNote(q)}
	query := grievance.Query{Status: grievance.Status(v.Status), Overdue: v.Overdue, Now: v.Now, After: qs.Get("after"), Limit: 50}
	pg, err := svc.Store().ListGrievances(ctx, query)
	if err != nil {
		return err
	}
	for _, g := range pg.Items {
		flags := g.Overdue(v.Now)
		if v.Withheld != "" {
			g = g.Metadata()
		}
		v.Rows = append(v.Rows, inboxRow{G: g, Flags: flags})
	}
	if pg.Next != "" {
		next := url.Values{}
		for k, vals := range qs {
			if k != "after" {
				next[k] = vals
			}
		}
		next.Set("after", pg.Next)
		v.NextURL = "/ui/grievances?" + next.Encode()
	}
	rep, err := svc.Overdue(ctx)
	if err != nil {
		return err
	}
	for _, it := range rep.Grievances {
		if it.Flags.AckOverdue {
			v.AckOverdue++
		} else {
			v.AnswerOverdue++
		}
	}
	v.Promises = rep.Promises
	return u.render(w, r, q, http.StatusOK, "grievance_inbox.html", "grievances", q.L.T("grv.inbox.title"), v)
}

type grievanceView struct {
	G         *grievance.Grievance
	Exchanges []*grievance.Exchange
	Flags     grievance.OverdueFlags
	CanHandle bool
	Outcomes  []string
	Contact   *grievance.Contact
	Notice    string
	Error     string
	// Withheld, when set, says why the page shows the metadata only.
	Withheld string
	// Title is the subject, or the id when the subject is withheld.
	Title string
}

// withheldNote is the note shown to a reader whose role may not read
// grievance content (grievance.ContentPermissions), "" for the others.
func withheldNote(q *uiRequest) string {
	if grievanceContent.allows(q.user, "") {
		return ""
	}
	return q.L.T("grv.withheld", q.L.Label("roles", string(q.user.Role)))
}

func (u *webUI) grievanceView(r *http.Request, q *uiRequest, id string) (*grievanceView, error) {
	svc, err := u.s.grievanceService()
	if err != nil {
		return nil, err
	}
	g, ex, flags, err := svc.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &grievanceView{G: g, Exchanges: ex, Flags: flags, CanHandle: q.can(vigil.PermHandleGrievances), Outcomes: strs(grievance.Outcomes),
		Withheld: withheldNote(q), Title: g.Subject}
	if v.Withheld != "" {
		v.G, v.Exchanges, v.Title = g.Metadata(), nil, q.L.T("grv.withheld.title", g.ID)
	}
	return v, nil
}

func (u *webUI) handleGrievancePage(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	v, err := u.grievanceView(r, q, r.PathValue("id"))
	if err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); done != "" {
		v.Notice = q.L.Label("grv.done", done)
	}
	return u.render(w, r, q, http.StatusOK, "grievance.html", "grievances", v.Title, v)
}

func (u *webUI) handleGrievancePageFile(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	a, content, err := svc.Store().GrievanceAttachment(r.Context(), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	if a.Sealed {
		return vigil.Errorf(vigil.ECONFLICT, "%s", q.L.T("grv.file.sealed.download"))
	}
	serveGrievanceFile(w, a, content)
	return nil
}

// handleGrievanceFileOpen opens a sealed file with the passphrase the
// officer typed and sends it as a download, with the same headers as a
// file in clear. A refusal comes back on the grievance's page.
func (u *webUI) handleGrievanceFileOpen(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	id, sha := r.PathValue("id"), r.PathValue("sha")
	a, content, err := svc.OpenAttachment(r.Context(), id, sha, r.PostFormValue("passphrase"), q.user.ID)
	switch code := vigil.ErrorCode(err); {
	case err == nil:
		u.logger.Info("grievance file opened", "id", id, "sha256", sha, "user", q.user.ID, "request_id", requestIDFrom(r.Context()))
		serveGrievanceFile(w, a, content)
		return nil
	case code == vigil.EFORBIDDEN || code == vigil.EINVALID || code == vigil.ENOTFOUND || code == vigil.ECONFLICT:
		v, verr := u.grievanceView(r, q, id)
		if verr != nil {
			return verr
		}
		v.Error = vigil.ErrorMessage(err)
		return u.render(w, r, q, http.StatusForbidden, "grievance.html", "grievances", v.Title, v)
	default:
		return err
	}
}

// grievanceAction handles the forms of one grievance's page. A refused
// input comes back on the page beside the forms; success redirects, so a
// reload does not send the form twice.
func (u *webUI) grievanceAction(step string) func(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return func(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
		svc, err := u.s.grievanceService()
		if err != nil {
			return err
		}
		ctx, id, actor := r.Context(), r.PathValue("id"), q.user.ID
		switch step {
		case "acknowledged":
			_, err = svc.Acknowledge(ctx, id, r.PostFormValue("message"), actor)
		case "answered":
			_, err = svc.Answer(ctx, id, r.PostFormValue("message"), actor)
		case "triaged":
			_, err = svc.Triage(ctx, id, grievance.Triage{PartyIDs: grievance.SplitIDs(r.PostFormValue("party_ids")),
				SubscriptionIDs: grievance.SplitIDs(r.PostFormValue("subscription_ids")), CaseIDs: grievance.SplitIDs(r.PostFormValue("case_ids")),
				Note: r.PostFormValue("note")}, actor)
		case "closed":
			_, err = svc.Close(ctx, id, grievance.Outcome(r.PostFormValue("outcome")), r.PostFormValue("led_to_action") == "yes", r.PostFormValue("note"), actor)
		}
		if code := vigil.ErrorCode(err); code == vigil.EINVALID || code == vigil.ECONFLICT {
			v, verr := u.grievanceView(r, q, id)
			if verr != nil {
				return verr
			}
			v.Error = vigil.ErrorMessage(err)
			return u.render(w, r, q, http.StatusBadRequest, "grievance.html", "grievances", v.Title, v)
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/ui/grievances/"+url.PathEscape(id)+"?done="+step, http.StatusSeeOther)
		return nil
	}
}

// handleGrievanceContact opens the sealed contact with the passphrase the
// officer typed and shows it on this answer only: it is never stored in
// clear, never put in a URL and never logged.
func (u *webUI) handleGrievanceContact(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	c, err := svc.OpenContact(r.Context(), id, r.PostFormValue("passphrase"), q.user.ID)
	v, verr := u.grievanceView(r, q, id)
	if verr != nil {
		return verr
	}
	switch code := vigil.ErrorCode(err); {
	case err == nil:
		v.Contact = c
		u.logger.Info("grievance contact opened", "id", id, "user", q.user.ID, "request_id", requestIDFrom(r.Context()))
	case code == vigil.EFORBIDDEN || code == vigil.EINVALID || code == vigil.ENOTFOUND:
		v.Error = vigil.ErrorMessage(err)
		return u.render(w, r, q, http.StatusForbidden, "grievance.html", "grievances", v.Title, v)
	default:
		return err
	}
	return u.render(w, r, q, http.StatusOK, "grievance.html", "grievances", v.Title, v)
}

// ---- engagement record ----

type engagementRow struct {
	E        *grievance.Engagement
	Promises []*grievance.Promise
}

type engagementsView struct {
	Rows             []engagementRow
	Now              time.Time
	Kinds            []string
	StakeholderTypes []string
	CanHandle        bool
	Notice, Error    string
}

// OverdueAt reports whether a promise is overdue at the page's time.
func (v *engagementsView) OverdueAt(p *grievance.Promise) bool { return p.Overdue(v.Now) }

func (u *webUI) handleEngagements(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	v := &engagementsView{}
	if done := r.URL.Query().Get("done"); done != "" {
		v.Notice = q.L.Label("grv.done", done)
	}
	return u.renderEngagements(w, r, q, http.StatusOK, v)
}

func (u *webUI) renderEngagements(w http.ResponseWriter, r *http.Request, q *uiRequest, status int, v *engagementsView) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	es, err := svc.Store().ListEngagements(ctx, grievance.EngagementQuery{Limit: 200})
	if err != nil {
		return err
	}
	for _, e := range es {
		ps, err := svc.Store().ListPromises(ctx, grievance.PromiseQuery{EngagementID: e.ID})
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, engagementRow{E: e, Promises: ps})
	}
	v.Now, v.Kinds, v.StakeholderTypes = svc.Now(), strs(grievance.EngagementKinds), strs(grievance.StakeholderTypes)
	v.CanHandle = q.can(vigil.PermHandleGrievances)
	return u.render(w, r, q, status, "grievance_engagements.html", "engagements", q.L.T("eng.title"), v)
}

// engagementRefused shows a refused input on the engagement page.
func (u *webUI) engagementRefused(w http.ResponseWriter, r *http.Request, q *uiRequest, err error) error {
	if code := vigil.ErrorCode(err); code != vigil.EINVALID && code != vigil.ECONFLICT && code != vigil.ENOTFOUND {
		return err
	}
	return u.renderEngagements(w, r, q, http.StatusBadRequest, &engagementsView{Error: vigil.ErrorMessage(err)})
}

func (u *webUI) handleEngagementAdd(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	e := &grievance.Engagement{Kind: grievance.EngagementKind(r.PostFormValue("kind")), StakeholderType: grievance.StakeholderType(r.PostFormValue("stakeholder_type")),
		Stakeholders: r.PostFormValue("stakeholders"), Asked: r.PostFormValue("asked"), Summary: r.PostFormValue("summary"),
		PartyIDs: grievance.SplitIDs(r.PostFormValue("party_ids")), CaseIDs: grievance.SplitIDs(r.PostFormValue("case_ids")),
		GrievanceIDs: grievance.SplitIDs(r.PostFormValue("grievance_ids"))}
	if d := strings.TrimSpace(r.PostFormValue("date")); d != "" {
		if e.Date, err = vigil.ParseDate(d); err != nil {
			return u.engagementRefused(w, r, q, vigil.FieldError("date", "%q is not a date (YYYY-MM-DD)", d))
		}
	}
	if err := svc.RecordEngagement(r.Context(), e, q.user.ID); err != nil {
		return u.engagementRefused(w, r, q, err)
	}
	if text := strings.TrimSpace(r.PostFormValue("promise")); text != "" {
		if err := u.addPromise(r, q, svc, e.ID, text, r.PostFormValue("due")); err != nil {
			return u.engagementRefused(w, r, q, err)
		}
	}
	http.Redirect(w, r, "/ui/engagements?done=recorded#"+url.PathEscape(e.ID), http.StatusSeeOther)
	return nil
}

func (u *webUI) addPromise(r *http.Request, q *uiRequest, svc *grievance.Service, engagementID, text, due string) error {
	d, err := vigil.ParseDate(strings.TrimSpace(due))
	if err != nil {
		return vigil.FieldError("due", "%q is not a date (YYYY-MM-DD)", due)
	}
	_, err = svc.Promise(r.Context(), engagementID, text, d, q.user.ID)
	return err
}

func (u *webUI) handlePromiseAdd(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := u.addPromise(r, q, svc, id, r.PostFormValue("text"), r.PostFormValue("due")); err != nil {
		return u.engagementRefused(w, r, q, err)
	}
	http.Redirect(w, r, "/ui/engagements?done=promised#"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (u *webUI) handlePromiseAnswer(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.grievanceService()
	if err != nil {
		return err
	}
	p, err := svc.AnswerPromise(r.Context(), r.PathValue("id"), r.PostFormValue("answer"), q.user.ID)
	if err != nil {
		return u.engagementRefused(w, r, q, err)
	}
	http.Redirect(w, r, "/ui/engagements?done=kept#"+url.PathEscape(p.EngagementID), http.StatusSeeOther)
	return nil
}
