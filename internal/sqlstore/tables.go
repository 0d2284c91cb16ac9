// Package sqlstore is the part of Vigil's storage that SQLite and PostgreSQL
// share: the mapping of portfolio records to tables, listing with cursors,
// all-or-nothing imports, the event outbox, users and tokens. The sqlite and
// postgres packages supply a Dialect (driver, transactions, bulk insert) and
// their own migrations; this package writes only SQL both understand.
package sqlstore

import (
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// column is a record field copied out of the JSON document into its own
// column, so it can be filtered and indexed.
type column struct {
	name   string // column name
	filter string // name of the ListOptions filter that reads it, or ""
	// list columns hold a list as ";a;b;" so that "contains" is a LIKE on
	// both databases.
	list bool
	// ref is the Ref.Field of the references the column holds, or "".
	ref   string
	value func(vigil.Record) string
}

// table maps one kind to its table.
type table struct {
	kind vigil.Kind
	name string
	cols []column
	// search is the column a ListOptions.Query matches, or "".
	search string
}

func (t *table) column(filter string) *column {
	for i := range t.cols {
		if t.cols[i].filter == filter {
			return &t.cols[i]
		}
	}
	return nil
}

func joinList(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return ";" + strings.Join(vs, ";") + ";"
}

var tables = map[vigil.Kind]*table{
	vigil.KindParty: {kind: vigil.KindParty, name: "parties", search: "name", cols: []column{
		{name: "type", filter: "type", value: func(r vigil.Record) string { return string(r.(*vigil.Party).Type) }},
		{name: "name", value: func(r vigil.Record) string { return r.(*vigil.Party).Name }},
		{name: "country", filter: "country", value: func(r vigil.Record) string { return r.(*vigil.Party).Country }},
		{name: "sectors", filter: "sector", list: true, value: func(r vigil.Record) string { return joinList(r.(*vigil.Party).Sectors) }},
	}},
	vigil.KindLink: {kind: vigil.KindLink, name: "links", cols: []column{
		{name: "from_id", ref: "from", filter: "from", value: func(r vigil.Record) string { return r.(*vigil.Link).From }},
		{name: "to_id", ref: "to", filter: "to", value: func(r vigil.Record) string { return r.(*vigil.Link).To }},
		{name: "type", filter: "type", value: func(r vigil.Record) string { return string(r.(*vigil.Link).Type) }},
	}},
	vigil.KindAccount: {kind: vigil.KindAccount, name: "accounts", search: "name", cols: []column{
		{name: "party_id", ref: "party_id", filter: "party_id", value: func(r vigil.Record) string { return r.(*vigil.Account).PartyID }},
		{name: "name", value: func(r vigil.Record) string { return r.(*vigil.Account).Name }},
		{name: "billing_country", filter: "billing_country", value: func(r vigil.Record) string { return r.(*vigil.Account).BillingCountry }},
	}},
	vigil.KindSubscription: {kind: vigil.KindSubscription, name: "subscriptions", cols: []column{
		{name: "account_id", ref: "account_id", filter: "account_id", value: func(r vigil.Record) string { return r.(*vigil.Subscription).AccountID }},
		{name: "service_id", ref: "service_id", filter: "service_id", value: func(r vigil.Record) string { return r.(*vigil.Subscription).ServiceID }},
		{name: "region", filter: "region", value: func(r vigil.Record) string { return r.(*vigil.Subscription).Region }},
		{name: "status", filter: "status", value: func(r vigil.Record) string { return string(r.(*vigil.Subscription).Status) }},
	}},
	vigil.KindService: {kind: vigil.KindService, name: "services", search: "name", cols: []column{
		{name: "name", value: func(r vigil.Record) string { return r.(*vigil.Service).Name }},
		{name: "capabilities", filter: "capability", list: true, value: func(r vigil.Record) string { return joinList(r.(*vigil.Service).Capabilities) }},
	}},
	vigil.KindContext: {kind: vigil.KindContext, name: "contexts", cols: []column{
		{name: "status", filter: "status", value: func(r vigil.Record) string { return string(r.(*vigil.CountryContext).Status) }},
		{name: "high_risk", filter: "high_risk", value: func(r vigil.Record) string { return strconv.FormatBool(r.(*vigil.CountryContext).HighRisk) }},
	}},
	vigil.KindSource: {kind: vigil.KindSource, name: "sources", search: "title", cols: []column{
		{name: "title", value: func(r vigil.Record) string { return r.(*vigil.Source).Title }},
		{name: "publisher", filter: "publisher", value: func(r vigil.Record) string { return r.(*vigil.Source).Publisher }},
		{name: "reliability", filter: "reliability", value: func(r vigil.Record) string { return r.(*vigil.Source).Reliability }},
		{name: "party_ids", ref: "party_ids", filter: "party_id", list: true, value: func(r vigil.Record) string { return joinList(r.(*vigil.Source).PartyIDs) }},
	}},
}

func tableFor(kind vigil.Kind) (*table, error) {
	t, ok := tables[kind]
	if !ok {
		return nil, vigil.Errorf(vigil.EINVALID, "unknown kind %q", kind)
	}
	return t, nil
}

// rowColumns is every column of a record table in insert order.
func (t *table) rowColumns() []string {
	cols := []string{"id"}
	for _, c := range t.cols {
		cols = append(cols, c.name)
	}
	return append(cols, "doc", "hash", "created_at", "created_by", "updated_at", "updated_by")
}

// refColumns maps the Ref.Field of each reference t's rows hold to the
// column that holds it.
func (t *table) refColumns() map[string]string {
	out := map[string]string{}
	for _, c := range t.cols {
		if c.ref != "" {
			out[c.ref] = c.name
		}
	}
	return out
}
