package usage_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

const goodLine = `{"key":"k-1","subscription_id":"S0000001","meter":"ai.speech_to_text","quantity":12.5,"unit":"hour","period_start":"2026-03-01T00:00:00Z","period_end":"2026-03-02T00:00:00Z","region":"eu-west-1"}`

func TestDecodeLine(t *testing.T) {
	d := usage.NewDecoder()
	var r usage.Record
	if f, m := d.DecodeLine([]byte(goodLine), &r); m != "" {
		t.Fatalf("field %q: %s", f, m)
	}
	want := usage.Record{Key: "k-1", Subscription: "S0000001", Meter: "ai.speech_to_text", Quantity: 12.5, Unit: "hour",
		Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Region: "eu-west-1"}
	if r != want {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	// Spacing, field order, escapes, exponents and offsets are JSON's.
	alt := ` { "region" : "eu-west-1", "unit":"hour", "quantity": 1.25e1, "meter":"ai.speech_to_text",
		"period_end":"2026-03-02T01:00:00+01:00", "period_start":"2026-03-01T00:00:00.000Z", "subscription_id":"S0000001", "k\u0065y":"k\u002d1" } `
	alt = strings.ReplaceAll(alt, "\n", "")
	var r2 usage.Record
	if f, m := d.DecodeLine([]byte(alt), &r2); m != "" {
		t.Fatalf("alt: field %q: %s", f, m)
	}
	if !r2.End.Equal(want.End) || r2.Quantity != 12.5 || r2.Key != "k-1" {
		t.Fatalf("alt: %+v", r2)
	}
}

// TestPrivacyLine is the content refusal: anything beyond the metering
// schema is refused with its line and field named, and the refused value
// never appears in the error, which may end up in logs.
func TestPrivacyLine(t *testing.T) {
	secret := "the minister said we meet at the harbour"
	with := func(extra string) string { return strings.TrimSuffix(goodLine, "}") + "," + extra + "}" }
	replace := func(field, value string) string {
		var m map[string]any
		json.Unmarshal([]byte(goodLine), &m)
		m[field] = value
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name, line, field string
	}{
		{"transcript", with(`"transcript":"` + secret + `"`), "transcript"},
		{"payload", with(`"payload":{"audio":"` + secret + `"}`), "payload"},
		{"file name", with(`"file_name":"` + secret + `.wav"`), "file_name"},
		{"speaker", with(`"speaker_id":"` + secret + `"`), "speaker_id"},
		{"face", with(`"face_id":"` + secret + `"`), "face_id"},
		{"free text in meter", replace("meter", secret), "meter"},
		{"free text in region", replace("region", secret), "region"},
		{"free text in key", replace("key", secret), "key"},
		{"free text in unit", replace("unit", secret), "unit"},
		{"long key", replace("key", strings.Repeat("a", 129)+secret), "key"},
		{"long subscription", replace("subscription_id", strings.Repeat("S", 200)+secret), "subscription_id"},
		{"object as a value", strings.Replace(goodLine, `"eu-west-1"`, `{"x":"`+secret+`"}`, 1), "region"},
		{"long line", with(`"zz":"` + strings.Repeat(secret, 60) + `"`), ""},
		{"missing field", strings.Replace(goodLine, `,"region":"eu-west-1"`, "", 1), "region"},
		{"negative", strings.Replace(goodLine, "12.5", "-1", 1), "quantity"},
		{"twice", with(`"key":"k-2"`), "key"},
		{"not a time", replace("period_start", secret), "period_start"},
		{"end before start", replace("period_end", "2026-02-01T00:00:00Z"), "period_end"},
		{"period too long", replace("period_end", "2026-05-01T00:00:00Z"), "period_end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := goodLine + "\n" + c.line + "\n"
			_, err := usage.ReadAll([]byte(body), "batch.jsonl")
			var fe *usage.FileError
			if !errors.As(err, &fe) || len(fe.Errors) != 1 {
				t.Fatalf("err = %v, want one bad line", err)
			}
			le := fe.Errors[0]
			if le.File != "batch.jsonl" || le.Line != 2 || le.Field != c.field {
				t.Fatalf("error at %s:%d field %q, want line 2 field %q: %v", le.File, le.Line, le.Field, c.field, le)
			}
			if strings.Contains(err.Error(), "harbour") {
				t.Fatalf("the error repeats the refused content: %v", err)
			}
			if vigil.ErrorCode(err) != vigil.EINVALID {
				t.Fatalf("code %q, want invalid", vigil.ErrorCode(err))
			}
		})
	}
}

func TestCSV(t *testing.T) {
	good := "region,key,subscription_id,meter,quantity,unit,period_start,period_end\n" +
		"eu-west-1,k1,S1,ai.translation,1000,character,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z\n"
	r, err := usage.NewReader(strings.NewReader(good), "u.csv", usage.CSV)
	if err != nil {
		t.Fatal(err)
	}
	var rec usage.Record
	if err := r.Next(&rec); err != nil {
		t.Fatal(err)
	}
	if rec.Key != "k1" || rec.Quantity != 1000 || rec.Region != "eu-west-1" {
		t.Fatalf("%+v", rec)
	}
	// An extra column is refused at the header, whatever it holds.
	_, err = usage.NewReader(strings.NewReader("key,subscription_id,meter,quantity,unit,period_start,period_end,region,speaker_name\n"), "u.csv", usage.CSV)
	var le *usage.LineError
	if !errors.As(err, &le) || le.Line != 1 || le.Field != "speaker_name" || !strings.Contains(le.Msg, "metering schema") {
		t.Fatalf("extra column: %v", err)
	}
	_, err = usage.NewReader(strings.NewReader("key,subscription_id,meter,quantity,unit,period_start,period_end\n"), "u.csv", usage.CSV)
	if !errors.As(err, &le) || le.Field != "region" {
		t.Fatalf("missing column: %v", err)
	}
	bad := good + "eu-west-1,k2,S1,ai.translation,1000,character,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,extra cell\n" +
		"eu-west-1,k3,S1,Free Text Here,1,character,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z\n"
	r, err = usage.NewReader(strings.NewReader(bad), "u.csv", usage.CSV)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for err = r.Next(&rec); err == nil; err = r.Next(&rec) {
		n++
	}
	var fe *usage.FileError
	if !errors.As(err, &fe) || len(fe.Errors) != 2 || fe.Errors[0].Line != 3 || fe.Errors[1].Line != 4 || fe.Errors[1].Field != "meter" {
		t.Fatalf("bad rows: %v", err)
	}
	if n != 1 {
		t.Fatalf("%d records before the first bad line, want 1 (and none after)", n)
	}
}

// FuzzDecodeLine checks the decoder against encoding/json: whatever it
// accepts is valid JSON that encoding/json decodes to the same record, and
// valid by Validate; it never panics.
func FuzzDecodeLine(f *testing.F) {
	f.Add([]byte(goodLine))
	f.Add([]byte(`{"key":"a","subscription_id":"b","meter":"c","quantity":0,"unit":"call","period_start":"2026-01-01T00:00:00Z","period_end":"2026-01-01T00:00:01Z","region":"r"}`))
	f.Add([]byte(`{"k\u0065y":"a\/b","subscription_id":"b","meter":"c","quantity":1e3,"unit":"call","period_start":"2026-01-01T00:00:00+02:00","period_end":"2026-01-01T00:00:01.5Z","region":"r"}`))
	f.Add([]byte(`{"transcript":"hello"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"quantity":-0.0}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		d := usage.NewDecoder()
		var r usage.Record
		_, msg := d.DecodeLine(line, &r)
		if msg != "" {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted a record Validate refuses: %v\n%q", err, line)
		}
		var j struct {
			Key          string    `json:"key"`
			Subscription string    `json:"subscription_id"`
			Meter        string    `json:"meter"`
			Quantity     float64   `json:"quantity"`
			Unit         string    `json:"unit"`
			Start        time.Time `json:"period_start"`
			End          time.Time `json:"period_end"`
			Region       string    `json:"region"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", err, line)
		}
		if j.Key != r.Key || j.Subscription != r.Subscription || j.Meter != r.Meter || j.Quantity != r.Quantity ||
			j.Unit != r.Unit || !j.Start.Equal(r.Start) || !j.End.Equal(r.End) || j.Region != r.Region {
			t.Fatalf("differs from encoding/json:\n%+v\n%+v\n%q", r, j, line)
		}
	})
}
