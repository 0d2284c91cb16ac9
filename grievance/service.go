package grievance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/vigil-hrdd/vigil"
)

// Config sets the deadlines, limits and key of a Service.
type Config struct {
	// AckWithin and AnswerWithin are the deadlines from receipt; the
	// defaults are 7 and 30 days.
	AckWithin    time.Duration
	AnswerWithin time.Duration
	// KeyDir holds the grievance key (GenerateKey); without a key the
	// channel takes anonymous grievances only.
	KeyDir string
	Limits Limits
	Now    func() time.Time
}

// Default deadlines.
const (
	DefaultAckWithin    = 7 * 24 * time.Hour
	DefaultAnswerWithin = 30 * 24 * time.Hour
)

// Service is the grievance channel and the engagement record over a Store.
type Service struct {
	store     Store
	cfg       Config
	recipient age.Recipient
}

// NewService returns a Service. A missing key is not an error (contact
// details are then refused); an unreadable one is.
func NewService(store Store, cfg Config) (*Service, error) {
	if cfg.AckWithin <= 0 {
		cfg.AckWithin = DefaultAckWithin
	}
	if cfg.AnswerWithin <= 0 {
		cfg.AnswerWithin = DefaultAnswerWithin
	}
	if cfg.AnswerWithin < cfg.AckWithin {
		return nil, vigil.FieldError("answer_within", "the answer deadline (%s) comes before the acknowledgement deadline (%s)", cfg.AnswerWithin, cfg.AckWithin)
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: store, cfg: cfg}
	if cfg.KeyDir != "" {
		r, err := LoadRecipient(cfg.KeyDir)
		switch {
		case err == nil:
			s.recipient = r
		case vigil.ErrorCode(err) != vigil.ENOTFOUND:
			return nil, err
		}
	}
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Limits returns the size limits in force.
func (s *Service) Limits() Limits { return s.cfg.Limits }

// Deadlines returns the acknowledgement and answer deadlines.
func (s *Service) Deadlines() (ack, answer time.Duration) { return s.cfg.AckWithin, s.cfg.AnswerWithin }

// TakesContact reports whether contact details can be sealed, that is
// whether a grievance key exists.
func (s *Service) TakesContact() bool { return s.recipient != nil }

// Submission is what a submitter sends.
type Submission struct {
	Channel     Channel
	Language    string
	Subject     string
	Description string
	About       string
	Contact     Contact
	Attachments []File // checked with Limits.CheckAttachment
}

// Receipt is what a submitter gets back, once.
type Receipt struct {
	ID        string    `json:"id"`
	Code      string    `json:"receipt_code"`
	AckDue    time.Time `json:"ack_due"`
	AnswerDue time.Time `json:"answer_due"`
}

// Submit records a grievance and returns its receipt code. The contact
// details are sealed here, before anything reaches the store.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Receipt, error) {
	l := s.cfg.Limits
	var err error
	g := &Grievance{Channel: sub.Channel, Language: sub.Language}
	if g.Subject, err = l.CheckText("subject", sub.Subject, true); err != nil {
		return nil, err
	}
	if len([]rune(g.Subject)) > 200 {
		return nil, vigil.FieldError("subject", "at most 200 characters")
	}
	if g.Description, err = l.CheckText("description", sub.Description, true); err != nil {
		return nil, err
	}
	if g.About, err = l.CheckText("about", sub.About, false); err != nil {
		return nil, err
	}
	switch g.Channel {
	case ChannelWeb, ChannelAPI, ChannelOther:
	case "":
		g.Channel = ChannelAPI
	default:
		return nil, vigil.FieldError("channel", "unknown channel %q", g.Channel)
	}
	if g.Language != "fr" {
		g.Language = "en"
	}
	if len(sub.Attachments) > l.MaxAttachments {
		return nil, vigil.FieldError("attachments", "at most %d files", l.MaxAttachments)
	}
	var sealed []byte
	c := trimContact(sub.Contact)
	if !c.Empty() {
		for _, f := range []struct{ name, v string }{{"contact.name", c.Name}, {"contact.email", c.Email}, {"contact.phone", c.Phone}, {"contact.other", c.Other}} {
			if len(f.v) > 500 {
				return nil, vigil.FieldError(f.name, "at most 500 bytes")
			}
		}
		if s.recipient == nil {
			return nil, vigil.FieldError("contact", "this channel cannot keep contact details safely yet (no grievance key); send the grievance anonymously or use another channel")
		}
		if sealed, err = Seal(s.recipient, c); err != nil {
			return nil, err
		}
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	g.ID = "G" + vigil.NewID(now)
	g.Anonymous = sealed == nil
	g.HasContact = sealed != nil
	g.Status = StatusReceived
	g.ReceivedAt = now
	g.AckDue = now.Add(s.cfg.AckWithin)
	g.AnswerDue = now.Add(s.cfg.AnswerWithin)
	if g.Attachments, err = s.sealFiles(dedupeAttachments(sub.Attachments)); err != nil {
		return nil, err
	}
	g.PartyIDs, g.SubscriptionIDs, g.CaseIDs = []string{}, []string{}, []string{}
	code, hash := NewReceiptCode()
	if err := s.store.CreateGrievance(ctx, g, sealed, hash, "public:"+string(g.Channel)); err != nil {
		return nil, err
	}
	return &Receipt{ID: g.ID, Code: code, AckDue: g.AckDue, AnswerDue: g.AnswerDue}, nil
}

// sealFiles seals each file to the grievance key, when there is one,
// before it reaches the store. Without a key files are kept as sent (the
// form says so); contact details, by contrast, are then refused.
func (s *Service) sealFiles(atts []File) ([]File, error) {
	if s.recipient == nil {
		return atts, nil
	}
	out := make([]File, 0, len(atts))
	for _, a := range atts {
		sealed, err := SealFile(s.recipient, a)
		if err != nil {
			return nil, err
		}
		out = append(out, sealed)
	}
	return out, nil
}

// SealsFiles reports whether files are sealed on the way in, that is
// whether a grievance key exists.
func (s *Service) SealsFiles() bool { return s.recipient != nil }

func trimContact(c Contact) Contact {
	return Contact{Name: strings.TrimSpace(c.Name), Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone), Other: strings.TrimSpace(c.Other)}
}

func dedupeAttachments(atts []File) []File {
	out := []File{}
	for _, a := range atts {
		if !slices.ContainsFunc(out, func(b File) bool { return b.SHA256 == a.SHA256 }) {
			out = append(out, a)
		}
	}
	return out
}

// Follow is what a submitter sees with the receipt code: the grievance's
// status, deadlines and the messages exchanged, never the officers'
// triage note, links or names.
type Follow struct {
	ID          string           `json:"id"`
	Subject     string           `json:"subject"`
	Status      Status           `json:"status"`
	ReceivedAt  time.Time        `json:"received_at"`
	AckDue      time.Time        `json:"ack_due"`
	AnswerDue   time.Time        `json:"answer_due"`
	Closed      bool             `json:"closed"`
	Outcome     Outcome          `json:"outcome,omitempty"`
	Attachments int              `json:"attachments"`
	Messages    []*FollowMessage `json:"messages"`
}

// FollowMessage is one step of the conversation as the submitter sees it.
type FollowMessage struct {
	Kind UpdateKind `json:"kind"`
	// FromSubmitter tells the submitter's own messages from the provider's.
	FromSubmitter bool      `json:"from_submitter"`
	Text          string    `json:"text"`
	Time          time.Time `json:"time"`
}

// Follow returns what the submitter may see; ENOTFOUND for an unknown code
// (the same answer whatever is wrong with it).
func (s *Service) Follow(ctx context.Context, code string) (*Follow, error) {
	g, err := s.byReceipt(ctx, code)
	if err != nil {
		return nil, err
	}
	ups, err := s.store.GrievanceUpdates(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	f := &Follow{ID: g.ID, Subject: g.Subject, Status: g.Status, ReceivedAt: g.ReceivedAt, AckDue: g.AckDue, AnswerDue: g.AnswerDue,
		Closed: g.ClosedAt != nil, Outcome: g.Outcome, Attachments: len(g.Attachments), Messages: []*FollowMessage{}}
	for _, u := range ups {
		f.Messages = append(f.Messages, &FollowMessage{Kind: u.Kind, FromSubmitter: u.Kind == UpdateInformation, Text: u.Text, Time: u.Time})
	}
	return f, nil
}

func (s *Service) byReceipt(ctx context.Context, code string) (*Grievance, error) {
	if len(NormalizeReceipt(code)) != receiptChars {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance has this receipt code")
	}
	g, err := s.store.GrievanceByReceipt(ctx, ReceiptHash(code))
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance has this receipt code")
	}
	return g, err
}

// AddInformation adds the submitter's text and files to the grievance the
// code names.
func (s *Service) AddInformation(ctx context.Context, code, text string, atts []File) error {
	l := s.cfg.Limits
	text, err := l.CheckText("text", text, len(atts) == 0)
	if err != nil {
		return err
	}
	if len(atts) > l.MaxAttachments {
		return vigil.FieldError("attachments", "at most %d files", l.MaxAttachments)
	}
	g, err := s.byReceipt(ctx, code)
	if err != nil {
		return err
	}
	if atts, err = s.sealFiles(dedupeAttachments(atts)); err != nil {
		return err
	}
	return s.store.AddGrievanceInformation(ctx, g.ID, text, atts, s.cfg.Now())
}

// Acknowledge records the acknowledgement and its message to the submitter.
func (s *Service) Acknowledge(ctx context.Context, id, message, actor string) (*Grievance, error) {
	message, err := s.cfg.Limits.CheckText("message", message, true)
	if err != nil {
		return nil, err
	}
	return s.store.AcknowledgeGrievance(ctx, id, message, actor, s.cfg.Now())
}

// Triage links a grievance to parties, subscriptions and cases.
func (s *Service) Triage(ctx context.Context, id string, t Triage, actor string) (*Grievance, error) {
	note, err := s.cfg.Limits.CheckText("note", t.Note, false)
	if err != nil {
		return nil, err
	}
	t.Note = note
	t.PartyIDs, t.SubscriptionIDs, t.CaseIDs = cleanIDs(t.PartyIDs), cleanIDs(t.SubscriptionIDs), cleanIDs(t.CaseIDs)
	return s.store.TriageGrievance(ctx, id, t, actor, s.cfg.Now())
}

// cleanIDs trims, drops empty and repeated ids and keeps them in order.
func cleanIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
			if !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// SplitIDs reads a list of ids separated by commas or spaces, as the CLI
// flags and the UI's text fields give them.
func SplitIDs(s string) []string { return cleanIDs([]string{s}) }

// Answer records the provider's answer to the submitter.
func (s *Service) Answer(ctx context.Context, id, answer, actor string) (*Grievance, error) {
	answer, err := s.cfg.Limits.CheckText("answer", answer, true)
	if err != nil {
		return nil, err
	}
	return s.store.AnswerGrievance(ctx, id, answer, actor, s.cfg.Now())
}

// Close closes a grievance with an outcome.
func (s *Service) Close(ctx context.Context, id string, outcome Outcome, ledToAction bool, note, actor string) (*Grievance, error) {
	if !slices.Contains(Outcomes, outcome) {
		return nil, vigil.FieldError("outcome", "unknown outcome %q (want one of %s)", outcome, joinOutcomes())
	}
	note, err := s.cfg.Limits.CheckText("note", note, false)
	if err != nil {
		return nil, err
	}
	return s.store.CloseGrievance(ctx, id, outcome, ledToAction, note, actor, s.cfg.Now())
}

func joinOutcomes() string {
	var out []string
	for _, o := range Outcomes {
		out = append(out, string(o))
	}
	return strings.Join(out, ", ")
}

// OpenContact unseals a grievance's contact details with the key's
// passphrase. The passphrase is checked first, so a wrong one records
// nothing; a right one records the opening (grievance.contact_opened)
// before the details are decrypted.
func (s *Service) OpenContact(ctx context.Context, id, passphrase, actor string) (*Contact, error) {
	if s.cfg.KeyDir == "" {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance key is configured")
	}
	ident, err := LoadIdentity(s.cfg.KeyDir, passphrase)
	if err != nil {
		return nil, err
	}
	sealed, err := s.store.OpenGrievanceContact(ctx, id, actor, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return Unseal(ident, sealed)
}

// OpenAttachment decrypts a sealed file with the key's passphrase. As for
// the contact, the passphrase is checked first, so a wrong one records
// nothing; a right one records the opening (grievance.attachment_opened)
// in the transaction that reads the ciphertext, before any byte is
// decrypted. The bytes are checked against the file's SHA-256.
func (s *Service) OpenAttachment(ctx context.Context, id, sha, passphrase, actor string) (*File, []byte, error) {
	if s.cfg.KeyDir == "" {
		return nil, nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance key is configured")
	}
	ident, err := LoadIdentity(s.cfg.KeyDir, passphrase)
	if err != nil {
		return nil, nil, err
	}
	f, sealed, err := s.store.OpenGrievanceAttachment(ctx, id, sha, actor, s.cfg.Now())
	if err != nil {
		return nil, nil, err
	}
	plain, err := UnsealFile(ident, f, sealed)
	if err != nil {
		return nil, nil, err
	}
	return f, plain, nil
}

// Get returns a grievance, its updates and its deadline flags.
func (s *Service) Get(ctx context.Context, id string) (*Grievance, []*Exchange, OverdueFlags, error) {
	g, err := s.store.GetGrievance(ctx, id)
	if err != nil {
		return nil, nil, OverdueFlags{}, err
	}
	ups, err := s.store.GrievanceUpdates(ctx, id)
	if err != nil {
		return nil, nil, OverdueFlags{}, err
	}
	return g, ups, g.Overdue(s.cfg.Now()), nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// ---- engagement ----

// RecordEngagement checks and stores a letter or meeting.
func (s *Service) RecordEngagement(ctx context.Context, e *Engagement, actor string) error {
	l := s.cfg.Limits
	var err error
	if !slices.Contains(EngagementKinds, e.Kind) {
		return vigil.FieldError("kind", "unknown kind %q (want letter_in, letter_out, meeting or call)", e.Kind)
	}
	if !slices.Contains(StakeholderTypes, e.StakeholderType) {
		return vigil.FieldError("stakeholder_type", "unknown stakeholder type %q (want civil_society, rights_holders, union, investor, journalist or other)", e.StakeholderType)
	}
	if e.Stakeholders, err = l.CheckText("stakeholders", e.Stakeholders, true); err != nil {
		return err
	}
	if e.Date.IsZero() {
		return vigil.FieldError("date", "the date of the letter or meeting is needed")
	}
	if e.Asked, err = l.CheckText("asked", e.Asked, true); err != nil {
		return err
	}
	if e.Summary, err = l.CheckText("summary", e.Summary, false); err != nil {
		return err
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	if e.Date.Time.After(now.AddDate(0, 0, 1)) {
		return vigil.FieldError("date", "%s is in the future", e.Date)
	}
	e.PartyIDs, e.CaseIDs, e.GrievanceIDs = cleanIDs(e.PartyIDs), cleanIDs(e.CaseIDs), cleanIDs(e.GrievanceIDs)
	e.ID = "E" + vigil.NewID(now)
	e.RecordedBy, e.RecordedAt = actor, now
	return s.store.CreateEngagement(ctx, e, actor)
}

// Promise records what was promised in an engagement, by a date.
func (s *Service) Promise(ctx context.Context, engagementID, text string, due vigil.Date, actor string) (*Promise, error) {
	text, err := s.cfg.Limits.CheckText("text", text, true)
	if err != nil {
		return nil, err
	}
	if due.IsZero() {
		return nil, vigil.FieldError("due", "the date the promise is due by is needed")
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	p := &Promise{ID: "PR" + vigil.NewID(now), EngagementID: engagementID, Text: text, Due: due, PromisedBy: actor, PromisedAt: now}
	if err := s.store.AddPromise(ctx, p, actor); err != nil {
		return nil, err
	}
	return p, nil
}

// AnswerPromise records the answer that keeps a promise.
func (s *Service) AnswerPromise(ctx context.Context, id, answer, actor string) (*Promise, error) {
	answer, err := s.cfg.Limits.CheckText("answer", answer, true)
	if err != nil {
		return nil, err
	}
	return s.store.AnswerPromise(ctx, id, answer, actor, s.cfg.Now())
}

// OverdueReport is what the dashboard shows: grievances past a deadline
// and promises past their due date, oldest deadline first.
type OverdueReport struct {
	AsOf       time.Time        `json:"as_of"`
	Grievances []OverdueItem    `json:"grievances"`
	Promises   []OverduePromise `json:"promises"`
	// ContentWithheld is set when the grievances carry their metadata
	// only (Grievance.Metadata), and says why.
	ContentWithheld string `json:"content_withheld,omitempty"`
}

// OverdueItem is an overdue grievance and which deadline it missed.
type OverdueItem struct {
	Grievance *Grievance   `json:"grievance"`
	Flags     OverdueFlags `json:"flags"`
	// Due is the earliest missed deadline.
	Due time.Time `json:"due"`
}

// OverduePromise is an overdue promise with its engagement.
type OverduePromise struct {
	Promise    *Promise    `json:"promise"`
	Engagement *Engagement `json:"engagement"`
}

// Overdue lists overdue grievances and promises at the service's clock.
func (s *Service) Overdue(ctx context.Context) (*OverdueReport, error) {
	return Overdue(ctx, s.store, s.cfg.Now())
}

// Overdue lists the grievances and promises overdue at now. The dashboard
// calls it with the store alone.
func Overdue(ctx context.Context, st Store, now time.Time) (*OverdueReport, error) {
	rep := &OverdueReport{AsOf: now.UTC(), Grievances: []OverdueItem{}, Promises: []OverduePromise{}}
	after := ""
	for {
		pg, err := st.ListGrievances(ctx, Query{Overdue: true, Now: now, After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("overdue grievances: %w", err)
		}
		for _, g := range pg.Items {
			f := g.Overdue(now)
			due := g.AnswerDue
			if f.AckOverdue {
				due = g.AckDue
			}
			rep.Grievances = append(rep.Grievances, OverdueItem{Grievance: g, Flags: f, Due: due})
		}
		if pg.Next == "" {
			break
		}
		after = pg.Next
	}
	slices.SortStableFunc(rep.Grievances, func(a, b OverdueItem) int { return a.Due.Compare(b.Due) })
	day := vigil.Date{Time: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	ps, err := st.ListPromises(ctx, PromiseQuery{Open: true, DueBefore: day})
	if err != nil {
		return nil, fmt.Errorf("overdue promises: %w", err)
	}
	engs := map[string]*Engagement{}
	for _, p := range ps {
		e, ok := engs[p.EngagementID]
		if !ok {
			if e, err = st.GetEngagement(ctx, p.EngagementID); err != nil {
				return nil, fmt.Errorf("engagement of promise %s: %w", p.ID, err)
			}
			engs[p.EngagementID] = e
		}
		rep.Promises = append(rep.Promises, OverduePromise{Promise: p, Engagement: e})
	}
	return rep, nil
}
