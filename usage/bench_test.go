package usage_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/usage"
)

// benchLines builds n JSON Lines records like a metering export: hourly
// records of a few thousand subscriptions, four meters, a handful of
// regions, keys that are unique and not ordered.
func benchLines(n int) []byte {
	var b bytes.Buffer
	meters := []struct{ m, u string }{{"storage.audio", "gb_day"}, {"ai.speech_to_text", "hour"}, {"ai.translation", "character"}, {"ai.face_recognition", "call"}}
	regions := []string{"eu-west-1", "eu-central-1", "us-east-1", "me-central-1", "ap-south-1"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		m := meters[i%len(meters)]
		t := start.Add(time.Duration(i/4000) * time.Hour)
		fmt.Fprintf(&b, `{"key":"%016x-%d","subscription_id":"S%07d","meter":"%s","quantity":%d.%d,"unit":"%s","period_start":"%s","period_end":"%s","region":"%s"}`+"\n",
			uint64(i)*0x9e3779b97f4a7c15, i, i%4000, m.m, i%977, i%10, m.u,
			t.Format(time.RFC3339), t.Add(time.Hour).Format(time.RFC3339), regions[i%7%len(regions)])
	}
	return b.Bytes()
}

// BenchmarkParseAggregate decodes JSON Lines held in memory and sums the
// records into daily totals, on one goroutine: the 1,000,000
// records a second per core.
func BenchmarkParseAggregate(b *testing.B) {
	data := benchLines(200_000)
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	b.SetBytes(int64(len(data) / len(lines)))
	b.ReportAllocs()
	d := usage.NewDecoder()
	tot := usage.NewTotals()
	var r usage.Record
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if _, msg := d.DecodeLine(lines[n%len(lines)], &r); msg != "" {
			b.Fatal(msg)
		}
		tot.Add(&r)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	}
}

// BenchmarkParseEncodingJSON is the baseline the decoder replaces.
func BenchmarkParseEncodingJSON(b *testing.B) {
	data := benchLines(200_000)
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	b.SetBytes(int64(len(data) / len(lines)))
	tot := usage.NewTotals()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		var r usage.Record
		if err := json.Unmarshal(lines[n%len(lines)], &r); err != nil {
			b.Fatal(err)
		}
		tot.Add(&r)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu-s")
	}
}
