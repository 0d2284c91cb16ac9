package vigil

import (
	"strings"
)

// Account is a customer account at the provider, held by a party (the
// contracting customer, which may be a reseller rather than the end user).
type Account struct {
	ID      string `json:"id"`
	PartyID string `json:"party_id"`
	Name    string `json:"name"`
	// BillingCountry is where the account is billed, an ISO 3166 code.
	BillingCountry string `json:"billing_country"`
	OpenedOn       Date   `json:"opened_on"`
	Meta
}

func (a *Account) RecordKind() Kind     { return KindAccount }
func (a *Account) RecordID() string     { return a.ID }
func (a *Account) SetRecordID(s string) { a.ID = s }
func (a *Account) RecordMeta() *Meta    { return &a.Meta }
func (a *Account) Refs() []Ref          { return []Ref{{Field: "party_id", Kind: KindParty, ID: a.PartyID}} }

// Validate checks the account's fields.
func (a *Account) Validate() error {
	if err := validateID("id", a.ID); err != nil {
		return err
	}
	if err := validateID("party_id", a.PartyID); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return FieldError("name", "must not be empty")
	}
	if err := ValidateTerritory(a.BillingCountry); err != nil {
		return FieldError("billing_country", "%s", err.(*Error).Message)
	}
	return nil
}

// SubscriptionStatus is where a subscription stands. Only the control plane's
// confirmation moves a subscription to restricted, suspended or terminated.
type SubscriptionStatus string

const (
	SubscriptionActive     SubscriptionStatus = "active"
	SubscriptionRestricted SubscriptionStatus = "restricted"
	SubscriptionSuspended  SubscriptionStatus = "suspended"
	SubscriptionTerminated SubscriptionStatus = "terminated"
)

// SubscriptionStatuses lists the accepted statuses.
var SubscriptionStatuses = []SubscriptionStatus{SubscriptionActive, SubscriptionRestricted, SubscriptionSuspended, SubscriptionTerminated}

// Subscription is an account's use of one catalogue service in one region.
type Subscription struct {
	ID        string             `json:"id"`
	AccountID string             `json:"account_id"`
	ServiceID string             `json:"service_id"`
	Region    string             `json:"region"` // the provider's region name, e.g. "eu-west-2"
	StartedOn Date               `json:"started_on"`
	Status    SubscriptionStatus `json:"status"`
	Meta
}

func (s *Subscription) RecordKind() Kind     { return KindSubscription }
func (s *Subscription) RecordID() string     { return s.ID }
func (s *Subscription) SetRecordID(v string) { s.ID = v }
func (s *Subscription) RecordMeta() *Meta    { return &s.Meta }
func (s *Subscription) Refs() []Ref {
	return []Ref{{Field: "account_id", Kind: KindAccount, ID: s.AccountID}, {Field: "service_id", Kind: KindService, ID: s.ServiceID}}
}

// Validate checks the subscription's fields.
func (s *Subscription) Validate() error {
	if err := validateID("id", s.ID); err != nil {
		return err
	}
	if err := validateID("account_id", s.AccountID); err != nil {
		return err
	}
	if err := validateID("service_id", s.ServiceID); err != nil {
		return err
	}
	if !tagPattern.MatchString(s.Region) {
		return FieldError("region", "region %q must be a lower-case region name such as eu-west-1", s.Region)
	}
	if s.StartedOn.IsZero() {
		return FieldError("started_on", "must be a date (YYYY-MM-DD)")
	}
	if !oneOf(s.Status, SubscriptionStatuses) {
		return FieldError("status", "unknown status %q (want one of %s)", s.Status, joinValues(SubscriptionStatuses))
	}
	return nil
}

// Service is an entry of the provider's catalogue. Capability tags say what
// the service can do (ai.speech_to_text, storage.object, ...), which is what
// risk rules look at; the catalogue is data that each provider edits.
type Service struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Capabilities []string `json:"capabilities"`
	Description  string   `json:"description"`
	Meta
}

func (s *Service) RecordKind() Kind     { return KindService }
func (s *Service) RecordID() string     { return s.ID }
func (s *Service) SetRecordID(v string) { s.ID = v }
func (s *Service) RecordMeta() *Meta    { return &s.Meta }
func (s *Service) Refs() []Ref          { return nil }

// Validate checks the service's fields.
func (s *Service) Validate() error {
	if err := validateID("id", s.ID); err != nil {
		return err
	}
	if strings.TrimSpace(s.Name) == "" {
		return FieldError("name", "must not be empty")
	}
	if len(s.Capabilities) == 0 {
		return FieldError("capabilities", "a service needs at least one capability tag")
	}
	for _, c := range s.Capabilities {
		if !tagPattern.MatchString(c) {
			return FieldError("capabilities", "capability tag %q must be lower case, like ai.speech_to_text", c)
		}
	}
	return nil
}
