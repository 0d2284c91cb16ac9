package vigil

import (
	"net/url"
	"strings"
)

// Source is a piece of evidence: a report, an article, a filing. Investigators
// grade it on the 6x6 Admiralty scale: the reliability of the source (A
// completely reliable .. E unreliable, F cannot be judged) and the
// credibility of the information (1 confirmed .. 5 improbable, 6 cannot be
// judged).
type Source struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Publisher   string   `json:"publisher"`
	URL         string   `json:"url"`
	PublishedOn Date     `json:"published_on"`
	Language    string   `json:"language"` // BCP 47
	Reliability string   `json:"reliability"`
	Credibility int      `json:"credibility"`
	PartyIDs    []string `json:"party_ids"`
	Meta
}

func (s *Source) RecordKind() Kind     { return KindSource }
func (s *Source) RecordID() string     { return s.ID }
func (s *Source) SetRecordID(v string) { s.ID = v }
func (s *Source) RecordMeta() *Meta    { return &s.Meta }
func (s *Source) Refs() []Ref {
	refs := make([]Ref, len(s.PartyIDs))
	for i, p := range s.PartyIDs {
		refs[i] = Ref{Field: "party_ids", Kind: KindParty, ID: p}
	}
	return refs
}

// Grade returns the Admiralty grade, such as "B2".
func (s *Source) Grade() string {
	return s.Reliability + string(rune('0'+s.Credibility))
}

// Validate checks the source's fields.
func (s *Source) Validate() error {
	if err := validateID("id", s.ID); err != nil {
		return err
	}
	if strings.TrimSpace(s.Title) == "" {
		return FieldError("title", "must not be empty")
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return FieldError("url", "%q is not an http or https address", s.URL)
		}
	}
	if len(s.Reliability) != 1 || s.Reliability[0] < 'A' || s.Reliability[0] > 'F' {
		return FieldError("reliability", "%q must be one Admiralty letter, A (completely reliable) to F (cannot be judged)", s.Reliability)
	}
	if s.Credibility < 1 || s.Credibility > 6 {
		return FieldError("credibility", "%d must be an Admiralty digit, 1 (confirmed) to 6 (cannot be judged)", s.Credibility)
	}
	for _, p := range s.PartyIDs {
		if err := validateID("party_ids", p); err != nil {
			return err
		}
	}
	return nil
}
