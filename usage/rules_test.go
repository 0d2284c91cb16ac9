package usage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

var asOf = usage.DayFromDate(vigil.MustDate("2026-06-30"))

// series gives one daily total per day of the lookback, q(age) by age in
// days (0 is the as-of day).
func series(sub, meter, region, unit string, q func(age int) float64) []usage.Daily {
	var out []usage.Daily
	for age := 0; age < usage.Lookback; age++ {
		if v := q(age); v > 0 {
			out = append(out, usage.Daily{Series: usage.Series{Subscription: sub, Meter: meter, Region: region, Unit: unit}, Day: asOf - usage.Day(age), Quantity: v, Records: 1})
		}
	}
	return out
}

func flat(v float64) func(int) float64 { return func(int) float64 { return v } }

// since gives v for the last n days and nothing before.
func since(n int, v float64) func(int) float64 {
	return func(age int) float64 {
		if age < n {
			return v
		}
		return 0
	}
}

func before(n int, v float64) func(int) float64 {
	return func(age int) float64 {
		if age >= n {
			return v
		}
		return 0
	}
}

func plus(fs ...func(int) float64) func(int) float64 {
	return func(age int) float64 {
		var s float64
		for _, f := range fs {
			s += f(age)
		}
		return s
	}
}

var subs = map[string]usage.SubscriptionInfo{
	"S1": {ID: "S1", Account: "A1", Service: "speech-to-text", Region: "eu-west-1", Status: vigil.SubscriptionActive, StatusSince: asOf - 400},
	"S2": {ID: "S2", Account: "A1", Service: "translation", Region: "eu-west-1", Status: vigil.SubscriptionActive, StatusSince: asOf - 400},
	"S3": {ID: "S3", Account: "A1", Service: "object-storage", Region: "eu-west-1", Status: vigil.SubscriptionActive, StatusSince: asOf - 400},
	"S4": {ID: "S4", Account: "A2", Service: "face-api", Region: "eu-west-1", Status: vigil.SubscriptionSuspended, StatusSince: asOf - 20},
}

func fired(t *testing.T, daily []usage.Daily) map[string]*usage.Signal {
	t.Helper()
	rules, err := usage.LoadRules("")
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := rules.Evaluate(usage.Subjects(daily, subs, asOf), asOf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*usage.Signal{}
	for _, s := range sigs {
		out[s.Rule] = s
	}
	return out
}

func join(ds ...[]usage.Daily) []usage.Daily {
	var out []usage.Daily
	for _, d := range ds {
		out = append(out, d...)
	}
	return out
}

// TestRules shows each default rule firing, with the numbers behind it,
// and not firing on the case next to it.
func TestRules(t *testing.T) {
	cases := []struct {
		name    string
		daily   []usage.Daily
		rule    string
		fire    bool
		explain []string
		number  string
		value   float64
	}{
		{"speech-to-text above threshold", series("S1", "ai.speech_to_text", "eu-west-1", "hour", flat(2000)),
			"volume-above-threshold", true, []string{"14,000 hour in the last 7 days", "threshold of 10,000"}, "week.total", 14000},
		{"speech-to-text below threshold", series("S1", "ai.speech_to_text", "eu-west-1", "hour", flat(1000)),
			"volume-above-threshold", false, nil, "", 0},
		{"audio storage above threshold", series("S3", "storage.audio", "eu-west-1", "gb_day", flat(150000)),
			"volume-above-threshold", true, []string{"1,050,000 gb_day"}, "week.total", 1050000},
		{"a unit the threshold is not about", series("S3", "storage.audio", "eu-west-1", "gb", flat(1e9)),
			"volume-above-threshold", false, nil, "", 0},
		{"translation doubles in a week", series("S2", "ai.translation", "eu-west-1", "character", plus(flat(5e6), since(7, 10e6))),
			"sudden-growth", true, []string{"+200%"}, "week.growth", 2},
		{"translation steady", series("S2", "ai.translation", "eu-west-1", "character", flat(15e6)),
			"sudden-growth", false, nil, "", 0},
		{"translation doubles but stays small", series("S2", "ai.translation", "eu-west-1", "character", plus(flat(5), since(7, 10))),
			"sudden-growth", false, nil, "", 0},
		{"face matching appears at volume", series("S1", "ai.face_recognition", "eu-west-1", "call", since(3, 50000)),
			"sudden-growth", true, []string{"150,000 in the last 7 days", "(new)"}, "week.total", 150000},
		{"account adds translation to transcription", join(
			series("S1", "ai.speech_to_text", "eu-west-1", "hour", flat(10)),
			series("S2", "ai.translation", "eu-west-1", "character", since(5, 1000))),
			"new-capability-combination", true, []string{"used ai.translation in the last 7 days", "ai.speech_to_text, ai.translation"}, "", 0},
		{"account has used both all along", join(
			series("S1", "ai.speech_to_text", "eu-west-1", "hour", flat(10)),
			series("S2", "ai.translation", "eu-west-1", "character", flat(1000))),
			"new-capability-combination", false, nil, "", 0},
		{"account adds a harmless capability", join(
			series("S1", "ai.speech_to_text", "eu-west-1", "hour", flat(10)),
			series("S2", "compute", "eu-west-1", "hour", since(5, 1000))),
			"new-capability-combination", false, nil, "", 0},
		{"storage moves to another region", join(
			series("S3", "storage.audio", "eu-west-1", "gb_day", before(7, 1000)),
			series("S3", "storage.audio", "me-central-1", "gb_day", since(7, 1000))),
			"data-moved-region", true, []string{"new region(s) me-central-1", "only in eu-west-1"}, "new_region_week", 7000},
		{"storage moves through a new subscription", join(
			series("S3", "storage.audio", "eu-west-1", "gb_day", before(7, 1000)),
			series("S2", "storage.audio", "ap-south-1", "gb_day", since(7, 1000))),
			"data-moved-region", true, []string{"ap-south-1"}, "", 0},
		{"a trickle in a second region", join(
			series("S3", "storage.audio", "eu-west-1", "gb_day", flat(1000)),
			series("S3", "storage.audio", "me-central-1", "gb_day", since(7, 10))),
			"data-moved-region", false, nil, "", 0},
		{"storage stays", series("S3", "storage.audio", "eu-west-1", "gb_day", flat(1000)),
			"data-moved-region", false, nil, "", 0},
		{"use after suspension", series("S4", "ai.face_recognition", "eu-west-1", "call", flat(100)),
			"use-after-suspension", true, []string{"is suspended since", "2,000 call of ai.face_recognition"}, "after_status", 2000},
		{"use stopped at suspension", series("S4", "ai.face_recognition", "eu-west-1", "call", before(20, 100)),
			"use-after-suspension", false, nil, "", 0},
		{"active subscription in use", series("S1", "ai.face_recognition", "eu-west-1", "call", flat(100)),
			"use-after-suspension", false, nil, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fired(t, c.daily)
			sig, ok := got[c.rule]
			if ok != c.fire {
				t.Fatalf("rule %s fired = %v, want %v (fired: %v)", c.rule, ok, c.fire, keys(got))
			}
			if !ok {
				return
			}
			for _, want := range c.explain {
				if !strings.Contains(sig.Explanation, want) {
					t.Errorf("explanation lacks %q:\n%s", want, sig.Explanation)
				}
			}
			if c.number != "" && sig.Numbers[c.number] != c.value {
				t.Errorf("numbers[%s] = %v, want %v (%v)", c.number, sig.Numbers[c.number], c.value, sig.Numbers)
			}
			if sig.ID == "" || sig.RulesDigest == "" || sig.AsOf.String() != "2026-06-30" {
				t.Errorf("signal lacks id, digest or day: %+v", sig)
			}
		})
	}
}

func keys(m map[string]*usage.Signal) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRulesRefuseBadFiles(t *testing.T) {
	base := "version: x\nparams: {}\nrules:\n  - id: r1\n    title: T\n    severity: high\n    scope: series\n"
	cases := []struct {
		name, yaml, want string
		line             int
	}{
		{"CEL syntax", base + "    when: week.total >\n", "when", 8},
		{"unknown variable", base + "    when: transcript == \"x\"\n", "undeclared reference", 8},
		{"not a condition", base + "    when: week.total\n", "", 8},
		{"unknown key", base + "    when: true\n    sql: drop\n", "sql", 9},
		{"bad scope", strings.Replace(base, "scope: series", "scope: galaxy", 1) + "    when: true\n", "scope", 4},
		{"bad severity", strings.Replace(base, "severity: high", "severity: dire", 1) + "    when: true\n", "severity", 4},
		{"bad template", base + "    when: true\n    explain: \"{{.week.total\"\n", "explain", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := usage.ParseRules([]byte(c.yaml), "my-rules.yaml")
			var le *usage.LineError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a LineError", err)
			}
			if le.File != "my-rules.yaml" || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v", err)
			}
			if c.line > 0 && le.Line != c.line {
				t.Errorf("line %d, want %d: %v", le.Line, c.line, err)
			}
		})
	}
}
