// Package usage turns a provider's metering into human-rights signals
// without ever reading customer content.
//
// A usage record says that one subscription used a quantity of one meter
// (a capability such as ai.speech_to_text) in one region over one period,
// and carries an idempotency key. That is the whole schema: a record with
// anything more (a transcript, a payload, a file name, a speaker or face
// identifier, any unknown field or column, any free-form value) is refused
// with an error naming the file, the line and the field, because Vigil's
// promise is metadata only.
//
// Records arrive from CSV and JSON Lines files, the HTTP batch endpoint and
// a NATS JetStream stream (package nats); all three end in Store.IngestUsage,
// which stores each key once, so a redelivered or re-imported record changes
// nothing. Daily totals per subscription, meter, region and unit are kept
// beside the records; Aggregate and Facts derive day, week and 90-day
// windows with growth rates from them, and Rules (CEL expressions in a YAML
// file a provider edits) turn those facts into Signals, each with the
// numbers behind it.
package usage

import (
	"math"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Record is one metered usage record. It is metadata only by construction:
// every field is an identifier, a tag, a number or a time.
type Record struct {
	// Key is the producer's idempotency key: a record whose key is stored
	// already for the same period start is a duplicate and changes
	// nothing. (Stores index records by period start first, so that a
	// stream inserts near the end of the index; a producer resending a
	// record resends its period too.)
	Key          string    `json:"key"`
	Subscription string    `json:"subscription_id"`
	Meter        string    `json:"meter"` // a capability tag, e.g. ai.speech_to_text
	Quantity     float64   `json:"quantity"`
	Unit         string    `json:"unit"`
	Start        time.Time `json:"period_start"`
	End          time.Time `json:"period_end"`
	Region       string    `json:"region"`
}

// Fields lists the metering schema: the JSON keys and CSV columns a record
// has, all required. Nothing else is accepted.
var Fields = []string{"key", "subscription_id", "meter", "quantity", "unit", "period_start", "period_end", "region"}

// Units are the accepted units of measure. A fixed list keeps a unit from
// becoming a place for free text.
var Units = []string{
	"byte", "gb", "gb_hour", "gb_day", "gb_month",
	"second", "minute", "hour",
	"character", "token", "call", "request", "image", "page", "count",
}

// Limits of a record's values.
const (
	// MaxLineBytes bounds one JSON Lines record; the schema fits in a few
	// hundred bytes, so a longer line carries something else.
	MaxLineBytes = 2048
	maxIDLen     = 128
	maxTagLen    = 64
	// MaxPeriod is the longest period a record may cover.
	MaxPeriod = 31 * 24 * time.Hour
	// maxQuantity keeps sums exact enough and refuses absurd values.
	maxQuantity = 1e15
)

// Validate checks a record built in Go (decoders check as they read).
func (r *Record) Validate() error {
	if msg := checkID(r.Key); msg != "" {
		return vigil.FieldError("key", "%s", msg)
	}
	if msg := checkID(r.Subscription); msg != "" {
		return vigil.FieldError("subscription_id", "%s", msg)
	}
	if msg := checkTag(r.Meter); msg != "" {
		return vigil.FieldError("meter", "%s", msg)
	}
	if msg := checkQuantity(r.Quantity); msg != "" {
		return vigil.FieldError("quantity", "%s", msg)
	}
	if msg := checkUnit(r.Unit); msg != "" {
		return vigil.FieldError("unit", "%s", msg)
	}
	if msg := checkTag(r.Region); msg != "" {
		return vigil.FieldError("region", "%s", msg)
	}
	if r.Start.IsZero() {
		return vigil.FieldError("period_start", "must be an RFC 3339 time")
	}
	if r.End.IsZero() {
		return vigil.FieldError("period_end", "must be an RFC 3339 time")
	}
	if field, msg := checkPeriod(r.Start, r.End); msg != "" {
		return vigil.FieldError(field, "%s", msg)
	}
	return nil
}

// The checks return a message, or "" when the value is fine. Messages never
// quote the value: a value that fails may be exactly the content Vigil must
// not copy into its logs and errors.

func checkID(s string) string { return checkIDBytes(s) }

func checkIDBytes[T string | []byte](s T) string {
	if len(s) == 0 {
		return "must not be empty"
	}
	if len(s) > maxIDLen {
		return "is longer than 128 characters, which no identifier is: refused as possible content"
	}
	if !alnum(s[0]) {
		return "is not an identifier (letters, digits and . _ : @ / -, starting with a letter or digit): refused as possible free text"
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !alnum(c) && c != '.' && c != '_' && c != ':' && c != '@' && c != '/' && c != '-' {
			return "is not an identifier (letters, digits and . _ : @ / -, starting with a letter or digit): refused as possible free text"
		}
	}
	return ""
}

func checkTag(s string) string { return checkTagBytes(s) }

func checkTagBytes[T string | []byte](s T) string {
	if len(s) == 0 {
		return "must not be empty"
	}
	if len(s) > maxTagLen {
		return "is longer than 64 characters, which no tag is: refused as possible content"
	}
	if !lowerDigit(s[0]) {
		return "is not a tag (lower-case letters, digits and _ . -, like ai.speech_to_text or eu-west-1): refused as possible free text"
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !lowerDigit(c) && c != '_' && c != '.' && c != '-' {
			return "is not a tag (lower-case letters, digits and _ . -, like ai.speech_to_text or eu-west-1): refused as possible free text"
		}
	}
	return ""
}

func checkUnit(s string) string {
	for _, u := range Units {
		if s == u {
			return ""
		}
	}
	if checkTag(s) != "" {
		return "is not a unit: refused as possible free text (units: " + strings.Join(Units, ", ") + ")"
	}
	return "is not a known unit (units: " + strings.Join(Units, ", ") + ")"
}

func checkQuantity(q float64) string {
	switch {
	case math.IsNaN(q) || math.IsInf(q, 0):
		return "must be a finite number"
	case q < 0:
		return "must not be negative"
	case q > maxQuantity:
		return "is larger than 1e15"
	}
	return ""
}

func checkPeriod(start, end time.Time) (string, string) {
	if !end.After(start) {
		return "period_end", "must be after period_start"
	}
	if end.Sub(start) > MaxPeriod {
		return "period_end", "the period is longer than 31 days; send one record per day, hour or billing month"
	}
	return "", ""
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lowerDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
