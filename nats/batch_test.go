package nats_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vigil-hrdd/vigil"
	vnats "github.com/vigil-hrdd/vigil/nats"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/usage"
)

func jsonLines(recs []usage.Record) []byte {
	var b bytes.Buffer
	for i := range recs {
		vnats.AppendJSON(&b, &recs[i])
	}
	return b.Bytes()
}

const csvBatch = "key,subscription_id,meter,quantity,unit,period_start,period_end,region\n" +
	"c-1,S001,ai.translation,10,character,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,eu-west-1\n" +
	"c-2,S001,ai.translation,20,character,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,eu-west-1\n" +
	"c-3,S002,ai.translation,30,character,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,eu-west-1\n"

func header(format string, count int) nats.Header {
	h := nats.Header{}
	if format != "" {
		h.Set(vnats.HeaderFormat, format)
	}
	if count >= 0 {
		h.Set(vnats.HeaderCount, strconv.Itoa(count))
	}
	return h
}

func TestDecodeMessage(t *testing.T) {
	recs, _ := records(5, "d")
	for _, tc := range []struct {
		name  string
		h     nats.Header
		body  []byte
		want  int
		field string // of the refusal, "" when accepted
	}{
		{"one record, no headers", nats.Header{}, jsonLines(recs[:1]), 1, ""},
		{"a batch, no headers", nil, jsonLines(recs), 5, ""},
		{"a batch with format and count", header("jsonl", 5), jsonLines(recs), 5, ""},
		{"CSV batch", header("csv", 3), []byte(csvBatch), 3, ""},
		{"count says more than the body holds", header("jsonl", 6), jsonLines(recs), 0, vnats.HeaderCount},
		{"count says fewer", header("", 4), jsonLines(recs), 0, vnats.HeaderCount},
		{"count not a number", header("jsonl", -1), jsonLines(recs), 0, ""},
		{"unknown format", header("xml", 5), jsonLines(recs), 0, vnats.HeaderFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			if tc.name == "count not a number" {
				h.Set(vnats.HeaderCount, "five")
				tc.field = vnats.HeaderCount
			}
			got, err := vnats.DecodeMessage(h, tc.body, "STREAM#7")
			if tc.field == "" {
				if err != nil || len(got) != tc.want {
					t.Fatalf("got %d records, %v; want %d", len(got), err, tc.want)
				}
				return
			}
			var ve *vigil.Error
			if !errors.As(err, &ve) || ve.Field != tc.field || ve.Code != vigil.EINVALID {
				t.Fatalf("got %d records, %v; want a refusal on %s", len(got), err, tc.field)
			}
			if !bytes.Contains([]byte(err.Error()), []byte("STREAM#7")) {
				t.Fatalf("the error %q does not name the message", err)
			}
		})
	}
}

// TestBatchMessages sends a mix of messages through the server: batches
// with headers, a lone record without any (as the first producers send),
// a CSV batch, a batch whose count header disagrees with its body and one
// in an unknown format. The good ones are stored, the bad ones refused
// whole, and a batch sent again under another message id changes nothing.
func TestBatchMessages(t *testing.T) {
	ctx := context.Background()
	c := dial(t, vnats.Config{MaxWait: 200 * time.Millisecond})
	cons, err := c.EnsureStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, total := records(1000, "b")
	if err := c.Publish(ctx, recs[:999], 250); err != nil {
		t.Fatal(err)
	}
	subj := c.Config().Subject
	for _, m := range []*nats.Msg{
		{Subject: subj, Data: jsonLines(recs[999:])},
		{Subject: subj, Data: []byte(csvBatch), Header: header("csv", 3)},
		{Subject: subj, Data: jsonLines(recs[:10]), Header: header("jsonl", 11)},
		{Subject: subj, Data: jsonLines(recs[:10]), Header: header("protobuf", 10)},
		// A redelivered or resent batch: all duplicates.
		{Subject: subj, Data: jsonLines(recs[500:750]), Header: header("jsonl", 250)},
	} {
		if _, err := c.JS.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	w := vnats.NewWorker(c, cons, db, nil)
	var st vnats.Stats
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && st.Messages+st.Refused < 9 {
		if _, err := w.Once(ctx, &st); err != nil {
			t.Fatal(err)
		}
	}
	n, q := totals(t, db)
	if n != 1003 || q != total+60 || st.Created != 1003 || st.Duplicates != 250 || st.Refused != 2 || st.Messages != 7 {
		t.Fatalf("stored %d records, total %v (want 1003, %v); stats %+v", n, q, total+60, st)
	}
}
