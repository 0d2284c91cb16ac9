package usage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// DemoFile is the file GenerateDemo writes into the portfolio directory.
const DemoFile = "usage.jsonl"

// DemoOptions shape the demo's usage.
type DemoOptions struct {
	Seed uint64
	// AsOf is the last day of the year of usage; zero means 2026-06-30,
	// the demo portfolio's own as-of day.
	AsOf time.Time
}

// DemoResult says what GenerateDemo wrote.
type DemoResult struct {
	File    string
	Records int
	AsOf    vigil.Date
	// Escalations describe the scenarios planted in the data, for the
	// demo to print: which account, what happens, which rules should fire.
	Escalations []string
}

// meterOf maps a service's first capability to the meter and unit its
// usage is metered in, and a typical daily quantity.
var meterOf = map[string]struct {
	meter, unit string
	base        float64
}{
	"storage.object":            {"storage.object", "gb_day", 2000},
	"storage.archive":           {"storage.archive", "gb_day", 8000},
	"storage.block":             {"storage.block", "gb_day", 500},
	"storage.database":          {"storage.database", "gb_day", 200},
	"compute":                   {"compute", "hour", 300},
	"ai.speech_to_text":         {"ai.speech_to_text", "hour", 60},
	"ai.speaker_identification": {"ai.speaker_identification", "call", 2000},
	"ai.translation":            {"ai.translation", "character", 2e6},
	"ai.ocr":                    {"ai.ocr", "page", 5000},
	"ai.face_recognition":       {"ai.face_recognition", "call", 3000},
	"ai.image_analysis":         {"ai.image_analysis", "image", 10000},
	"ai.language_model":         {"ai.language_model", "token", 5e6},
	"analytics.search":          {"analytics.search", "request", 20000},
	"analytics.bulk":            {"analytics.bulk", "hour", 50},
	"analytics.geolocation":     {"analytics.geolocation", "request", 50000},
	"media.processing":          {"media.processing", "minute", 3000},
	"iot":                       {"iot", "request", 100000},
	"networking":                {"networking", "gb", 500},
}

type demoSub struct {
	id, account, service, region, status string
	started                              Day
	meter, unit                          string
	base                                 float64
}

// GenerateDemo writes a year of daily usage for the portfolio that
// demo.Generate wrote into dir (it reads services.csv and
// subscriptions.csv) into dir/usage.jsonl, with a few escalations planted:
// a bulk upload of audio storage with transcription and translation jumping
// in one account, data moved to another region, a surge of face matching, and use
// continuing on a suspended subscription. The same portfolio and options
// always give the same bytes.
func GenerateDemo(dir string, opt DemoOptions) (DemoResult, error) {
	if opt.AsOf.IsZero() {
		opt.AsOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	asOf := DayOf(opt.AsOf)
	res := DemoResult{File: filepath.Join(dir, DemoFile), AsOf: asOf.Date()}
	caps, err := readCSV(filepath.Join(dir, "services.csv"), "id", "capabilities")
	if err != nil {
		return res, err
	}
	firstCap := map[string]string{}
	for _, row := range caps {
		firstCap[row[0]] = strings.Split(row[1], ";")[0]
	}
	rows, err := readCSV(filepath.Join(dir, "subscriptions.csv"), "id", "account_id", "service_id", "region", "started_on", "status")
	if err != nil {
		return res, err
	}
	var subs []*demoSub
	byAccount := map[string][]*demoSub{}
	for _, row := range rows {
		m, ok := meterOf[firstCap[row[2]]]
		if !ok {
			m.meter, m.unit, m.base = "requests", "request", 1000
		}
		started, err := time.Parse(vigil.DateLayout, row[4])
		if err != nil {
			return res, fmt.Errorf("demo usage: subscriptions.csv: %s: started_on: %w", row[0], err)
		}
		s := &demoSub{id: row[0], account: row[1], service: row[2], region: row[3], status: row[5], started: DayOf(started), meter: m.meter, unit: m.unit, base: m.base}
		subs = append(subs, s)
		byAccount[s.account] = append(byAccount[s.account], s)
	}
	r := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5bd1e995))
	g := &demoGen{r: r, asOf: asOf, plans: map[string]*plan{}}
	g.plant(subs, byAccount, &res)

	f, err := os.Create(res.File)
	if err != nil {
		return res, fmt.Errorf("demo usage: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var line bytes.Buffer
	for _, s := range subs {
		scale := s.base * math.Exp(r.NormFloat64()*1.2) // accounts differ by orders of magnitude
		p := g.plans[s.id]
		if p != nil {
			scale = s.base // the escalation's own numbers are the story
		}
		stop := asOf + 1
		if s.status == string(vigil.SubscriptionSuspended) || s.status == string(vigil.SubscriptionTerminated) {
			stop = asOf - Day(30+r.IntN(200))
		}
		if p != nil && p.keepAfterStop {
			stop = asOf + 1
		}
		for d := max(asOf-364, s.started); d < stop; d++ {
			age := int(asOf - d)
			noise := max(0.2, 1+0.15*r.NormFloat64())
			if wd := d.Time().Weekday(); wd == time.Saturday || wd == time.Sunday {
				noise *= 0.7
			}
			q := scale * (1 + 0.3*float64(364-age)/364) * noise
			region := s.region
			if p != nil {
				q, region = p.apply(age, q, noise, region)
			}
			if q > 0 {
				res.Records++
				writeDemo(&line, s, s.meter, s.unit, q, region, d)
			}
			if p != nil && p.extraMeter != "" {
				if eq := p.extra(age); eq > 0 {
					res.Records++
					writeDemo(&line, s, p.extraMeter, p.extraUnit, eq, region, d)
				}
			}
			if line.Len() > 1<<15 {
				w.Write(line.Bytes())
				line.Reset()
			}
		}
	}
	w.Write(line.Bytes())
	if err := w.Flush(); err != nil {
		f.Close()
		return res, fmt.Errorf("demo usage: %w", err)
	}
	if err := f.Close(); err != nil {
		return res, fmt.Errorf("demo usage: %w", err)
	}
	return res, nil
}

func writeDemo(b *bytes.Buffer, s *demoSub, meter, unit string, q float64, region string, d Day) {
	q = math.Round(q*100) / 100
	day := d.String()
	fmt.Fprintf(b, `{"key":"demo-%s-%s-%s","subscription_id":%q,"meter":%q,"quantity":%s,"unit":%q,"period_start":"%sT00:00:00Z","period_end":"%sT00:00:00Z","region":%q}`+"\n",
		s.id, meter, day, s.id, meter, strconv.FormatFloat(q, 'f', -1, 64), unit, day, (d + 1).String(), region)
}

// plan is an escalation on one subscription.
type plan struct {
	// from age (days before as-of) on, the daily use is target.
	from   int
	target float64
	// moveTo sends the use to another region from age moveFrom on.
	moveTo   string
	moveFrom int
	// extraMeter is a new meter starting at age extraFrom.
	extraMeter, extraUnit string
	extraFrom             int
	extraStart, extraEnd  float64
	keepAfterStop         bool
}

func (p *plan) apply(age int, q, noise float64, region string) (float64, string) {
	if p.target > 0 && age < p.from {
		q = p.target * noise
	}
	if p.moveTo != "" && age < p.moveFrom {
		region = p.moveTo
	}
	return q, region
}

func (p *plan) extra(age int) float64 {
	if age >= p.extraFrom {
		return 0
	}
	t := float64(p.extraFrom-age) / float64(p.extraFrom)
	return p.extraStart * math.Pow(p.extraEnd/p.extraStart, t)
}

type demoGen struct {
	r     *rand.Rand
	asOf  Day
	plans map[string]*plan
}

// plant picks the escalations' accounts, by the seed, among accounts whose
// subscriptions make each story possible.
func (g *demoGen) plant(subs []*demoSub, byAccount map[string][]*demoSub, res *DemoResult) {
	accounts := make([]string, 0, len(byAccount))
	for a := range byAccount {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	g.r.Shuffle(len(accounts), func(i, j int) { accounts[i], accounts[j] = accounts[j], accounts[i] })
	find := func(ss []*demoSub, meter string) *demoSub {
		for _, s := range ss {
			if s.meter == meter && s.status == string(vigil.SubscriptionActive) && s.started < g.asOf-200 {
				return s
			}
		}
		return nil
	}
	used := map[string]bool{}
	pick := func(meters ...string) (string, []*demoSub) {
		for _, a := range accounts {
			if used[a] {
				continue
			}
			var got []*demoSub
			for _, m := range meters {
				if s := find(byAccount[a], m); s != nil {
					got = append(got, s)
				}
			}
			if len(got) == len(meters) {
				used[a] = true
				return a, got
			}
		}
		return "", nil
	}
	if a, ss := pick("storage.object", "ai.speech_to_text", "ai.translation"); a != "" {
		store, stt, tr := ss[0], ss[1], ss[2]
		g.plans[store.id] = &plan{extraMeter: "storage.audio", extraUnit: "gb_day", extraFrom: 5, extraStart: 100000, extraEnd: 200000}
		g.plans[stt.id] = &plan{from: 10, target: 3000}
		g.plans[tr.id] = &plan{from: 10, target: 1.2e8}
		res.Escalations = append(res.Escalations, fmt.Sprintf("account %s: audio storage (storage.audio) appears 5 days before %s, a bulk upload growing to 200 TB kept a day, "+
			"while transcription (%s) and translation (%s) jump 10 days before: expect volume-above-threshold, sudden-growth and new-capability-combination",
			a, g.asOf, stt.id, tr.id))
	}
	if a, ss := pick("storage.object"); a != "" {
		to := "me-central-1"
		if ss[0].region == to {
			to = "ap-east-1"
		}
		g.plans[ss[0].id] = &plan{moveTo: to, moveFrom: 6}
		res.Escalations = append(res.Escalations, fmt.Sprintf("account %s: object storage of %s moves from %s to %s 6 days before %s: expect data-moved-region",
			a, ss[0].id, ss[0].region, to, g.asOf))
	}
	if a, ss := pick("ai.face_recognition"); a != "" {
		g.plans[ss[0].id] = &plan{from: 7, target: 300000}
		res.Escalations = append(res.Escalations, fmt.Sprintf("account %s: face matching on %s surges a hundredfold in the last 7 days: expect volume-above-threshold and sudden-growth",
			a, ss[0].id))
	}
	for _, s := range subs {
		if s.status == string(vigil.SubscriptionSuspended) && s.started < g.asOf-200 && g.plans[s.id] == nil {
			g.plans[s.id] = &plan{keepAfterStop: true}
			res.Escalations = append(res.Escalations, fmt.Sprintf("subscription %s (account %s) is suspended in the portfolio but its use goes on to %s: "+
				"use-after-suspension fires for use metered after the suspension was recorded (its updated_at)", s.id, s.account, g.asOf))
			break
		}
	}
}

// readCSV returns the named columns of every row of a CSV file with a
// header.
func readCSV(path string, cols ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("demo usage: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("demo usage: %s: header: %w", path, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = slices.Index(head, c)
		if idx[i] < 0 {
			return nil, fmt.Errorf("demo usage: %s: no column %q", path, c)
		}
	}
	var out [][]string
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("demo usage: %s: line %d: %w", path, line, err)
		}
		v := make([]string, len(cols))
		for i, j := range idx {
			v[i] = row[j]
		}
		out = append(out, v)
	}
}

// SeedDemo is the demo's one call: after the portfolio in dir has been
// imported into s, it writes the year of demo usage (GenerateDemo),
// ingests it, and runs the shipped signal rules as of its last day.
// Running it again changes nothing.
func SeedDemo(ctx context.Context, s vigil.Store, dir string, seed uint64, actor string) (DemoResult, EvalSummary, error) {
	us, err := StoreOf(s)
	if err != nil {
		return DemoResult{}, EvalSummary{}, err
	}
	res, err := GenerateDemo(dir, DemoOptions{Seed: seed})
	if err != nil {
		return res, EvalSummary{}, err
	}
	f, err := os.Open(res.File)
	if err != nil {
		return res, EvalSummary{}, fmt.Errorf("demo usage: %w", err)
	}
	defer f.Close()
	rd, err := NewReader(f, res.File, JSONLines)
	if err != nil {
		return res, EvalSummary{}, err
	}
	if _, err := us.IngestUsage(ctx, IngestRequest{Source: rd, Actor: actor, Origin: res.File}); err != nil {
		return res, EvalSummary{}, err
	}
	rules, err := LoadRules("")
	if err != nil {
		return res, EvalSummary{}, err
	}
	sum, err := Evaluate(ctx, us, s, rules, res.AsOf, actor)
	return res, sum, err
}
