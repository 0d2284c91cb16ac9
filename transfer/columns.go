// Package transfer moves portfolio records in and out of files: CSV and JSON
// Lines, one kind per file. Imports check the whole file first and report
// every bad line with its file, line and field before anything is written;
// then the store writes all of it or nothing.
package transfer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// field is one CSV column of a kind: how to read it into a record and write
// it out again. The column names are the JSON field names of the API, so
// one vocabulary serves CSV, JSON Lines and HTTP.
type field struct {
	name     string
	required bool
	get      func(vigil.Record) string
	set      func(vigil.Record, string) error
	doc      string // for docs/formats.md
}

// listSep separates values inside one CSV cell (aliases, sectors, ...):
// commas are taken by CSV itself and semicolons rarely occur in names.
const listSep = ";"

func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, listSep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func joinList(vs []string) string { return strings.Join(vs, listSep) }

func parseDate(s string) (vigil.Date, error) {
	d, err := vigil.ParseDate(s)
	if err != nil {
		return d, errors.New(vigil.ErrorMessage(err))
	}
	return d, nil
}

func formatDate(d vigil.Date) string { return d.String() }

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

var fields = map[vigil.Kind][]field{
	vigil.KindParty: {
		{name: "id", required: true, doc: "unique id of the party in your systems",
			get: func(r vigil.Record) string { return r.(*vigil.Party).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).ID = v; return nil }},
		{name: "type", required: true, doc: "organization, government_body, security_unit, company or person",
			get: func(r vigil.Record) string { return string(r.(*vigil.Party).Type) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Type = vigil.PartyType(v); return nil }},
		{name: "name", required: true, doc: "the name in its usual form and script",
			get: func(r vigil.Record) string { return r.(*vigil.Party).Name },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Name = v; return nil }},
		{name: "aliases", doc: "other names in any script, separated by ;",
			get: func(r vigil.Record) string { return joinList(r.(*vigil.Party).Aliases) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Aliases = splitList(v); return nil }},
		{name: "country", doc: "ISO 3166-1 alpha-2 (FR) or ISO 3166-2 subdivision (FR-75) code; empty when unknown",
			get: func(r vigil.Record) string { return r.(*vigil.Party).Country },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Country = v; return nil }},
		{name: "identifiers", doc: "scheme:value pairs separated by ; (lei:5299..., vat:FR12...)",
			get: func(r vigil.Record) string {
				var s []string
				for _, id := range r.(*vigil.Party).Identifiers {
					s = append(s, id.Scheme+":"+id.Value)
				}
				return joinList(s)
			},
			set: func(r vigil.Record, v string) error {
				ids := []vigil.Identifier{}
				for _, item := range splitList(v) {
					scheme, value, ok := strings.Cut(item, ":")
					if !ok || scheme == "" || value == "" {
						return fmt.Errorf("%q is not scheme:value", item)
					}
					ids = append(ids, vigil.Identifier{Scheme: strings.TrimSpace(scheme), Value: strings.TrimSpace(value)})
				}
				r.(*vigil.Party).Identifiers = ids
				return nil
			}},
		{name: "sectors", doc: "lower-case sector tags separated by ; (military;intelligence)",
			get: func(r vigil.Record) string { return joinList(r.(*vigil.Party).Sectors) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Sectors = splitList(v); return nil }},
		{name: "notes", doc: "free text",
			get: func(r vigil.Record) string { return r.(*vigil.Party).Notes },
			set: func(r vigil.Record, v string) error { r.(*vigil.Party).Notes = v; return nil }},
	},
	vigil.KindLink: {
		{name: "id", required: true, doc: "unique id of the link",
			get: func(r vigil.Record) string { return r.(*vigil.Link).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Link).ID = v; return nil }},
		{name: "from", required: true, doc: "party id; the sentence reads: from <type> to",
			get: func(r vigil.Record) string { return r.(*vigil.Link).From },
			set: func(r vigil.Record, v string) error { r.(*vigil.Link).From = v; return nil }},
		{name: "to", required: true, doc: "party id",
			get: func(r vigil.Record) string { return r.(*vigil.Link).To },
			set: func(r vigil.Record, v string) error { r.(*vigil.Link).To = v; return nil }},
		{name: "type", required: true, doc: "owns, controls, unit_of, resells_to or acts_for (from is an intermediary acting for to, the end user)",
			get: func(r vigil.Record) string { return string(r.(*vigil.Link).Type) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Link).Type = vigil.LinkType(v); return nil }},
		{name: "share", doc: "ownership share in percent, owns links only; empty when unknown",
			get: func(r vigil.Record) string {
				if s := r.(*vigil.Link).Share; s != 0 {
					return strconv.FormatFloat(s, 'f', -1, 64)
				}
				return ""
			},
			set: func(r vigil.Record, v string) error {
				if v == "" {
					return nil
				}
				f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
				if err != nil {
					return fmt.Errorf("%q is not a number", v)
				}
				r.(*vigil.Link).Share = f
				return nil
			}},
		{name: "source", doc: "where the link is known from",
			get: func(r vigil.Record) string { return r.(*vigil.Link).Source },
			set: func(r vigil.Record, v string) error { r.(*vigil.Link).Source = v; return nil }},
	},
	vigil.KindAccount: {
		{name: "id", required: true, doc: "the provider's account id",
			get: func(r vigil.Record) string { return r.(*vigil.Account).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Account).ID = v; return nil }},
		{name: "party_id", required: true, doc: "the party holding the contract (may be a reseller)",
			get: func(r vigil.Record) string { return r.(*vigil.Account).PartyID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Account).PartyID = v; return nil }},
		{name: "name", required: true, doc: "account name",
			get: func(r vigil.Record) string { return r.(*vigil.Account).Name },
			set: func(r vigil.Record, v string) error { r.(*vigil.Account).Name = v; return nil }},
		{name: "billing_country", doc: "ISO 3166 code where the account is billed",
			get: func(r vigil.Record) string { return r.(*vigil.Account).BillingCountry },
			set: func(r vigil.Record, v string) error { r.(*vigil.Account).BillingCountry = v; return nil }},
		{name: "opened_on", doc: "YYYY-MM-DD",
			get: func(r vigil.Record) string { return formatDate(r.(*vigil.Account).OpenedOn) },
			set: func(r vigil.Record, v string) (err error) { r.(*vigil.Account).OpenedOn, err = parseDate(v); return }},
	},
	vigil.KindSubscription: {
		{name: "id", required: true, doc: "the provider's subscription id",
			get: func(r vigil.Record) string { return r.(*vigil.Subscription).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Subscription).ID = v; return nil }},
		{name: "account_id", required: true, doc: "account id",
			get: func(r vigil.Record) string { return r.(*vigil.Subscription).AccountID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Subscription).AccountID = v; return nil }},
		{name: "service_id", required: true, doc: "service id from the catalogue",
			get: func(r vigil.Record) string { return r.(*vigil.Subscription).ServiceID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Subscription).ServiceID = v; return nil }},
		{name: "region", required: true, doc: "provider region name, lower case (eu-west-1)",
			get: func(r vigil.Record) string { return r.(*vigil.Subscription).Region },
			set: func(r vigil.Record, v string) error { r.(*vigil.Subscription).Region = v; return nil }},
		{name: "started_on", required: true, doc: "YYYY-MM-DD",
			get: func(r vigil.Record) string { return formatDate(r.(*vigil.Subscription).StartedOn) },
			set: func(r vigil.Record, v string) (err error) {
				r.(*vigil.Subscription).StartedOn, err = parseDate(v)
				return
			}},
		{name: "status", required: true, doc: "active, restricted, suspended or terminated",
			get: func(r vigil.Record) string { return string(r.(*vigil.Subscription).Status) },
			set: func(r vigil.Record, v string) error {
				r.(*vigil.Subscription).Status = vigil.SubscriptionStatus(v)
				return nil
			}},
	},
	vigil.KindService: {
		{name: "id", required: true, doc: "catalogue id",
			get: func(r vigil.Record) string { return r.(*vigil.Service).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Service).ID = v; return nil }},
		{name: "name", required: true, doc: "service name",
			get: func(r vigil.Record) string { return r.(*vigil.Service).Name },
			set: func(r vigil.Record, v string) error { r.(*vigil.Service).Name = v; return nil }},
		{name: "capabilities", required: true, doc: "capability tags separated by ; (storage.object;ai.speech_to_text)",
			get: func(r vigil.Record) string { return joinList(r.(*vigil.Service).Capabilities) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Service).Capabilities = splitList(v); return nil }},
		{name: "description", doc: "free text",
			get: func(r vigil.Record) string { return r.(*vigil.Service).Description },
			set: func(r vigil.Record, v string) error { r.(*vigil.Service).Description = v; return nil }},
	},
	vigil.KindContext: {
		{name: "id", required: true, doc: "ISO 3166-1 alpha-2 or ISO 3166-2 code of the country or territory",
			get: func(r vigil.Record) string { return r.(*vigil.CountryContext).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.CountryContext).ID = v; return nil }},
		{name: "status", required: true, doc: "none, active_armed_conflict, occupation or post_conflict",
			get: func(r vigil.Record) string { return string(r.(*vigil.CountryContext).Status) },
			set: func(r vigil.Record, v string) error {
				r.(*vigil.CountryContext).Status = vigil.ConflictStatus(v)
				return nil
			}},
		{name: "high_risk", doc: "true when a conflict-affected and high-risk area (CAHRA)",
			get: func(r vigil.Record) string { return strconv.FormatBool(r.(*vigil.CountryContext).HighRisk) },
			set: func(r vigil.Record, v string) (err error) {
				r.(*vigil.CountryContext).HighRisk, err = parseBool(v)
				return
			}},
		{name: "source", required: true, doc: "where the assessment comes from",
			get: func(r vigil.Record) string { return r.(*vigil.CountryContext).Source },
			set: func(r vigil.Record, v string) error { r.(*vigil.CountryContext).Source = v; return nil }},
		{name: "as_of", required: true, doc: "YYYY-MM-DD the assessment is dated",
			get: func(r vigil.Record) string { return formatDate(r.(*vigil.CountryContext).AsOf) },
			set: func(r vigil.Record, v string) (err error) { r.(*vigil.CountryContext).AsOf, err = parseDate(v); return }},
		{name: "notes", doc: "free text",
			get: func(r vigil.Record) string { return r.(*vigil.CountryContext).Notes },
			set: func(r vigil.Record, v string) error { r.(*vigil.CountryContext).Notes = v; return nil }},
	},
	vigil.KindSource: {
		{name: "id", required: true, doc: "unique id of the source",
			get: func(r vigil.Record) string { return r.(*vigil.Source).ID },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).ID = v; return nil }},
		{name: "title", required: true, doc: "title of the document",
			get: func(r vigil.Record) string { return r.(*vigil.Source).Title },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).Title = v; return nil }},
		{name: "publisher", doc: "who published it",
			get: func(r vigil.Record) string { return r.(*vigil.Source).Publisher },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).Publisher = v; return nil }},
		{name: "url", doc: "http or https address",
			get: func(r vigil.Record) string { return r.(*vigil.Source).URL },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).URL = v; return nil }},
		{name: "published_on", doc: "YYYY-MM-DD",
			get: func(r vigil.Record) string { return formatDate(r.(*vigil.Source).PublishedOn) },
			set: func(r vigil.Record, v string) (err error) { r.(*vigil.Source).PublishedOn, err = parseDate(v); return }},
		{name: "language", doc: "BCP 47 language tag (en, fr, ar, uk, ...)",
			get: func(r vigil.Record) string { return r.(*vigil.Source).Language },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).Language = v; return nil }},
		{name: "reliability", required: true, doc: "Admiralty source reliability, A (completely reliable) to F (cannot be judged)",
			get: func(r vigil.Record) string { return r.(*vigil.Source).Reliability },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).Reliability = v; return nil }},
		{name: "credibility", required: true, doc: "Admiralty information credibility, 1 (confirmed) to 6 (cannot be judged)",
			get: func(r vigil.Record) string { return strconv.Itoa(r.(*vigil.Source).Credibility) },
			set: func(r vigil.Record, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%q is not a digit 1 to 6", v)
				}
				r.(*vigil.Source).Credibility = n
				return nil
			}},
		{name: "party_ids", doc: "ids of the parties the source concerns, separated by ;",
			get: func(r vigil.Record) string { return joinList(r.(*vigil.Source).PartyIDs) },
			set: func(r vigil.Record, v string) error { r.(*vigil.Source).PartyIDs = splitList(v); return nil }},
	},
}

// Columns returns the CSV header of a kind.
func Columns(kind vigil.Kind) []string {
	var out []string
	for _, f := range fields[kind] {
		out = append(out, f.name)
	}
	return out
}

// ColumnDoc describes one column, for generated documentation.
type ColumnDoc struct {
	Name, Doc string
	Required  bool
}

// Describe returns the columns of a kind with their descriptions.
func Describe(kind vigil.Kind) []ColumnDoc {
	var out []ColumnDoc
	for _, f := range fields[kind] {
		out = append(out, ColumnDoc{Name: f.name, Doc: f.doc, Required: f.required})
	}
	return out
}

// Row returns a record's CSV cells in the order of Columns.
func Row(kind vigil.Kind, rec vigil.Record) []string {
	row := make([]string, len(fields[kind]))
	for i, f := range fields[kind] {
		row[i] = f.get(rec)
	}
	return row
}
