// Package grievance is Vigil's listening side (UNGP 29 and 31, EU CSDDD
// article 14): a grievance channel anyone may use without an account, and
// the record of engagement with civil society, rights-holders, unions and
// investors.
//
// A submitter may stay anonymous or leave contact details. Contact details
// are sealed with age to an X25519 recipient whose identity is itself
// sealed under a passphrase in the data directory's keys folder: the
// database, its backups and every log hold only ciphertext, and each
// opening by a grievance officer is recorded as an event. A receipt code,
// shown once and stored only as a hash, lets the submitter follow the
// grievance in plain words and add information.
//
// Handling has deadlines (acknowledgement, answer) whose being met or
// missed is in the event type, so the transparency report can count them
// from the public log; payloads carry digests of what people wrote, never
// the text or the contact.
package grievance

import (
	"context"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Status is where a grievance stands. The submitter sees it in plain words.
type Status string

const (
	StatusReceived     Status = "received"     // submitted, not yet acknowledged
	StatusAcknowledged Status = "acknowledged" // acknowledged, under review
	StatusAnswered     Status = "answered"     // the provider answered
	StatusClosed       Status = "closed"       // closed with an outcome
)

// Statuses lists the statuses in the order a grievance moves through them.
var Statuses = []Status{StatusReceived, StatusAcknowledged, StatusAnswered, StatusClosed}

// Channel is how a grievance came in.
type Channel string

const (
	ChannelWeb   Channel = "web"   // the public form
	ChannelAPI   Channel = "api"   // the public API
	ChannelOther Channel = "other" // a letter, a call or a meeting, recorded by an officer
)

// Outcome is how a grievance closed. Whether it led to action is recorded
// beside it (Grievance.LedToAction), since most outcomes may or may not.
type Outcome string

const (
	OutcomeUpheld           Outcome = "upheld"            // the concern was borne out
	OutcomePartlyUpheld     Outcome = "partly_upheld"     // in part
	OutcomeNotUpheld        Outcome = "not_upheld"        // not borne out, with reasons
	OutcomeReferred         Outcome = "referred"          // outside Vigil's scope, referred elsewhere
	OutcomeWithdrawn        Outcome = "withdrawn"         // the submitter withdrew it
	OutcomeDuplicate        Outcome = "duplicate"         // the same concern as another grievance
	OutcomeNoResponse       Outcome = "no_response"       // more was needed and never came
	OutcomeResolvedDirectly Outcome = "resolved_directly" // settled with the submitter
)

// Outcomes lists the accepted outcomes.
var Outcomes = []Outcome{OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld, OutcomeReferred, OutcomeWithdrawn, OutcomeDuplicate, OutcomeNoResponse, OutcomeResolvedDirectly}

// Grievance is one concern raised through the channel. It never holds the
// submitter's contact details: those are sealed apart (HasContact says
// whether there are any) and opened only by OpenContact.
type Grievance struct {
	ID       string  `json:"id"`
	Channel  Channel `json:"channel"`
	Language string  `json:"language"`
	// Anonymous is true when the submitter left no contact details.
	Anonymous  bool   `json:"anonymous"`
	HasContact bool   `json:"has_contact"`
	Subject    string `json:"subject"`
	// Description is what the submitter wrote, as written.
	Description string `json:"description"`
	// About is what the grievance concerns, in the submitter's words (a
	// customer, a service, a place), to help triage.
	About  string `json:"about,omitempty"`
	Status Status `json:"status"`

	ReceivedAt time.Time `json:"received_at"`
	AckDue     time.Time `json:"ack_due"`
	AnswerDue  time.Time `json:"answer_due"`
	// Set once; Late records whether the deadline was missed.
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AckLate        bool       `json:"ack_late"`
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
	AnswerLate     bool       `json:"answer_late"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	Outcome        Outcome    `json:"outcome,omitempty"`
	// LedToAction says the grievance changed something: a case, a
	// decision, a remedy (UNGP 31's source of continuous learning).
	LedToAction bool `json:"led_to_action"`

	// Triage: what the grievance was linked to. Case ids are strings of
	// package casework.
	PartyIDs        []string `json:"party_ids"`
	SubscriptionIDs []string `json:"subscription_ids"`
	CaseIDs         []string `json:"case_ids"`
	// TriageNote is for officers only, never shown to the submitter.
	TriageNote string `json:"triage_note,omitempty"`

	Attachments []File    `json:"attachments"`
	UpdatedAt   time.Time `json:"updated_at"`
	UpdatedBy   string    `json:"updated_by"`
	// Version increases with every change.
	Version int `json:"version"`
}

// ContentPermissions admit a reader to what people wrote and sent: the
// subject, the description, what it is about, the triage note, the
// exchanges and the files. Grievance officers handle grievances; analysts
// (work_cases) need the texts to triage them into cases. Any other reader,
// an auditor for one, sees the metadata only (Metadata): a grievance
// mechanism that rights-holders, journalists and whistleblowers trust
// shows their words to the fewest people the work needs.
var ContentPermissions = []vigil.Permission{vigil.PermHandleGrievances, vigil.PermWorkCases}

// MayReadContent reports whether the role admits its users to grievance
// content (ContentPermissions).
func MayReadContent(r vigil.Role) bool {
	for _, p := range ContentPermissions {
		if r.Can(p) {
			return true
		}
	}
	return false
}

// Metadata returns a copy of g without its content: no subject,
// description, about, triage note or files. What stays is what oversight
// needs: the id, channel, language, whether it is anonymous, the dates
// and deadlines and whether they were met, the status, the outcome and
// the links to parties, subscriptions and cases.
func (g *Grievance) Metadata() *Grievance {
	m := *g
	m.Subject, m.Description, m.About, m.TriageNote = "", "", "", ""
	m.Attachments = []File{}
	return &m
}

// OverdueFlags are a grievance's deadline states at a moment.
type OverdueFlags struct {
	AckOverdue    bool `json:"ack_overdue"`
	AnswerOverdue bool `json:"answer_overdue"`
}

// Overdue reports which deadlines have passed unmet at now.
func (g *Grievance) Overdue(now time.Time) OverdueFlags {
	return OverdueFlags{
		AckOverdue:    g.AcknowledgedAt == nil && g.ClosedAt == nil && now.After(g.AckDue),
		AnswerOverdue: g.AnsweredAt == nil && g.ClosedAt == nil && now.After(g.AnswerDue),
	}
}

// File is a file a submitter sent, checked for type and size on the
// way in and stored by the SHA-256 of its bytes as sent.
type File struct {
	SHA256    string    `json:"sha256"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	AddedAt   time.Time `json:"added_at"`
	// Sealed says the stored bytes are age ciphertext to the grievance
	// key (SealFile): evidence often names the person who sent it, so
	// with a key every file is sealed like the contact details. SHA256,
	// MediaType and Size still describe the plaintext. Files stored
	// before sealing existed, or without a key, are not sealed.
	Sealed bool `json:"sealed"`
	// Content is only set on the way in (plaintext, or ciphertext once
	// sealed).
	Content []byte `json:"-"`
}

// UpdateKind is the kind of one step of the conversation with the
// submitter.
type UpdateKind string

const (
	UpdateInformation     UpdateKind = "information"     // the submitter added information
	UpdateAcknowledgement UpdateKind = "acknowledgement" // the provider acknowledged
	UpdateAnswer          UpdateKind = "answer"          // the provider answered
	UpdateClosing         UpdateKind = "closing"         // the provider closed it, with a note
)

// Exchange is one message between the submitter and the provider, in order.
// Officers' names are not shown to the submitter; Author is kept for the
// record.
type Exchange struct {
	Seq         int64      `json:"seq"`
	GrievanceID string     `json:"grievance_id"`
	Kind        UpdateKind `json:"kind"`
	Author      string     `json:"author"`
	Text        string     `json:"text"`
	Time        time.Time  `json:"time"`
}

// Triage is what an officer links a grievance to.
type Triage struct {
	PartyIDs        []string `json:"party_ids"`
	SubscriptionIDs []string `json:"subscription_ids"`
	CaseIDs         []string `json:"case_ids"`
	Note            string   `json:"note"`
}

// Query selects grievances. Empty fields match everything.
type Query struct {
	Status Status
	// Open keeps grievances not closed.
	Open bool
	// Overdue keeps open grievances with a deadline passed unmet at Now.
	Overdue bool
	Now     time.Time
	// ReceivedFrom and ReceivedTo bound the time of receipt, [from, to).
	ReceivedFrom, ReceivedTo time.Time
	PartyID                  string
	After                    string
	Limit                    int
}

// Page is one page of grievances, newest first.
type Page struct {
	Items []*Grievance `json:"items"`
	Next  string       `json:"next,omitempty"`
}

// Store keeps grievances and the engagement record. internal/sqlstore
// implements it for SQLite and PostgreSQL; storetest.RunGrievance checks
// both. Every state change writes its event in the same transaction.
type Store interface {
	// CreateGrievance stores a new grievance with its sealed contact (nil
	// for none), the hash of its receipt code and its attachments.
	CreateGrievance(ctx context.Context, g *Grievance, sealedContact []byte, receiptHash string, actor string) error
	GetGrievance(ctx context.Context, id string) (*Grievance, error)
	// GrievanceByReceipt finds a grievance by the hash of its receipt
	// code; ENOTFOUND when none.
	GrievanceByReceipt(ctx context.Context, receiptHash string) (*Grievance, error)
	ListGrievances(ctx context.Context, q Query) (Page, error)
	GrievanceUpdates(ctx context.Context, id string) ([]*Exchange, error)
	// GrievanceAttachment returns a file and its stored bytes: ciphertext
	// when the file is sealed (File.Sealed), which only
	// OpenGrievanceAttachment hands out for opening.
	GrievanceAttachment(ctx context.Context, id, sha256 string) (*File, []byte, error)
	// AddGrievanceInformation adds the submitter's text and files to a grievance
	// that is not closed.
	AddGrievanceInformation(ctx context.Context, id, text string, atts []File, now time.Time) error
	// AcknowledgeGrievance, AnswerGrievance and CloseGrievance record the officer's step and its
	// message; the store decides, inside the transaction, whether the
	// deadline was met, and writes the matching event type.
	AcknowledgeGrievance(ctx context.Context, id, message, actor string, now time.Time) (*Grievance, error)
	TriageGrievance(ctx context.Context, id string, t Triage, actor string, now time.Time) (*Grievance, error)
	AnswerGrievance(ctx context.Context, id, answer, actor string, now time.Time) (*Grievance, error)
	CloseGrievance(ctx context.Context, id string, outcome Outcome, ledToAction bool, note, actor string, now time.Time) (*Grievance, error)
	// OpenGrievanceContact returns a grievance's sealed contact and records, in the
	// same transaction, that actor opened it; ENOTFOUND when the
	// grievance has none.
	OpenGrievanceContact(ctx context.Context, id, actor string, now time.Time) ([]byte, error)
	// OpenGrievanceAttachment returns a sealed file's ciphertext and
	// records, in the same transaction, that actor opened it
	// (grievance.attachment_opened); ENOTFOUND when there is no such
	// file, ECONFLICT when it is not sealed (it downloads as it is).
	OpenGrievanceAttachment(ctx context.Context, id, sha256, actor string, now time.Time) (*File, []byte, error)

	CreateEngagement(ctx context.Context, e *Engagement, actor string) error
	GetEngagement(ctx context.Context, id string) (*Engagement, error)
	ListEngagements(ctx context.Context, q EngagementQuery) ([]*Engagement, error)
	AddPromise(ctx context.Context, p *Promise, actor string) error
	AnswerPromise(ctx context.Context, id, answer, actor string, now time.Time) (*Promise, error)
	ListPromises(ctx context.Context, q PromiseQuery) ([]*Promise, error)
	// MarkOverduePromises writes one engagement.promise_overdue event for
	// each promise whose due date passed unanswered at now and was not
	// marked before; it returns the promises it marked.
	MarkOverduePromises(ctx context.Context, now time.Time, actor string) ([]*Promise, error)
}

// StoreOf returns the grievance store behind a vigil.Store.
func StoreOf(s vigil.Store) (Store, error) {
	if g, ok := s.(Store); ok {
		return g, nil
	}
	return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no grievances", s)
}

// StakeholderType is who the provider engaged with.
type StakeholderType string

const (
	StakeholderCivilSociety StakeholderType = "civil_society"
	StakeholderRightsHolder StakeholderType = "rights_holders"
	StakeholderUnion        StakeholderType = "union"
	StakeholderInvestor     StakeholderType = "investor"
	StakeholderJournalist   StakeholderType = "journalist"
	StakeholderOther        StakeholderType = "other"
)

// StakeholderTypes lists the accepted stakeholder types.
var StakeholderTypes = []StakeholderType{StakeholderCivilSociety, StakeholderRightsHolder, StakeholderUnion, StakeholderInvestor, StakeholderJournalist, StakeholderOther}

// EngagementKind is the form an engagement took.
type EngagementKind string

const (
	EngagementLetterIn  EngagementKind = "letter_in"  // a letter received
	EngagementLetterOut EngagementKind = "letter_out" // a letter sent
	EngagementMeeting   EngagementKind = "meeting"
	EngagementCall      EngagementKind = "call"
)

// EngagementKinds lists the accepted kinds.
var EngagementKinds = []EngagementKind{EngagementLetterIn, EngagementLetterOut, EngagementMeeting, EngagementCall}

// Engagement is one letter or meeting with stakeholders: who, when, what
// was asked and what was said.
type Engagement struct {
	ID              string          `json:"id"`
	Kind            EngagementKind  `json:"kind"`
	StakeholderType StakeholderType `json:"stakeholder_type"`
	// Stakeholders names who took part, e.g. "Six human-rights
	// organisations (list in the letter)".
	Stakeholders string     `json:"stakeholders"`
	Date         vigil.Date `json:"date"`
	Asked        string     `json:"asked"`
	Summary      string     `json:"summary,omitempty"`
	PartyIDs     []string   `json:"party_ids"`
	CaseIDs      []string   `json:"case_ids"`
	GrievanceIDs []string   `json:"grievance_ids"`
	RecordedBy   string     `json:"recorded_by"`
	RecordedAt   time.Time  `json:"recorded_at"`
}

// Promise is what the provider promised in an engagement, by a date, and
// what it answered.
type Promise struct {
	ID           string     `json:"id"`
	EngagementID string     `json:"engagement_id"`
	Text         string     `json:"text"`
	Due          vigil.Date `json:"due"`
	Answer       string     `json:"answer,omitempty"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	// Late is set when the answer came after the due date.
	Late bool `json:"late"`
	// OverdueMarked is set once the promise's passing its due date
	// unanswered was recorded as an event.
	OverdueMarked bool      `json:"overdue_marked"`
	PromisedBy    string    `json:"promised_by"`
	PromisedAt    time.Time `json:"promised_at"`
}

// Overdue reports whether the due date passed unanswered at now. A
// promise is due by the end of its due day (UTC).
func (p *Promise) Overdue(now time.Time) bool {
	return p.AnsweredAt == nil && !now.Before(p.Due.Time.AddDate(0, 0, 1))
}

// EngagementQuery selects engagements, newest first.
type EngagementQuery struct {
	StakeholderType StakeholderType
	PartyID         string
	Limit           int
}

// PromiseQuery selects promises, by due date.
type PromiseQuery struct {
	EngagementID string
	// Open keeps promises not answered.
	Open bool
	// DueBefore keeps promises due before this day (zero: any).
	DueBefore vigil.Date
}
