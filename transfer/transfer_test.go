package transfer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

var ctx = context.Background()

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func importFile(t *testing.T, s vigil.Store, kind vigil.Kind, path string) (vigil.ImportSummary, error) {
	t.Helper()
	return transfer.ImportFile(ctx, s, transfer.Options{Kind: kind, Path: path, Actor: "tester"})
}

const partiesCSV = "id,type,name,aliases,country,identifiers,sectors,notes\n" +
	"P1,government_body,Ministry of Works,MoW;Министерство работ,NO,,government,\n" +
	"P2,security_unit,Unit 101,\"Unit 101, signals\",NO-03,list:X-1;vat:NO123,military;intelligence,\"notes, with comma\"\n" +
	"P3,company,Integrator Ltd,,BB,lei:5299000000000000000,,\n"

func TestImportCSVAndReimport(t *testing.T) {
	s := openStore(t)
	p := writeFile(t, "parties.csv", partiesCSV)
	sum, err := importFile(t, s, vigil.KindParty, p)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 3 || sum.Updated != 0 || sum.Unchanged != 0 {
		t.Fatalf("first import: %+v", sum)
	}
	got, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != vigil.PartyUnit || got.Aliases[0] != "Unit 101, signals" || got.Identifiers[1].Value != "NO123" || got.Sectors[1] != "intelligence" || got.Notes != "notes, with comma" {
		t.Fatalf("P2 = %+v", got)
	}
	sum, err = importFile(t, s, vigil.KindParty, p)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 0 || sum.Updated != 0 || sum.Unchanged != 3 {
		t.Fatalf("re-import changed something: %+v", sum)
	}
	// The import left one event each time, carrying the file's hash.
	ev, err := s.GetEvent(ctx, sum.EventID)
	if err != nil {
		t.Fatal(err)
	}
	sha := sha256.Sum256([]byte(partiesCSV))
	if ev.Type != "import.completed" || !strings.Contains(string(ev.Payload), `"sha256":"`+hex.EncodeToString(sha[:])+`"`) || !strings.Contains(string(ev.Payload), `"unchanged":3`) {
		t.Fatalf("import event: %s %s", ev.Type, ev.Payload)
	}
}

func TestImportErrorsNameFileLineAndField(t *testing.T) {
	header := "id,type,name,aliases,country,identifiers,sectors,notes\n"
	cases := []struct {
		name, file, content string
		line                int
		field, msg          string
	}{
		{"empty file", "p.csv", "", 1, "", "empty file"},
		{"unknown column", "p.csv", "id,type,name,colour\n", 1, "colour", "unknown column"},
		{"missing required column", "p.csv", "id,name\nP1,X\n", 1, "type", "required column missing"},
		{"duplicate column", "p.csv", "id,type,name,name\n", 1, "name", "twice"},
		{"wrong field count", "p.csv", header + "P1,company,X\n", 2, "", "wrong number of fields"},
		{"bare quote", "p.csv", header + "P1,company,X \"Y\" Z,,,,,\n", 2, "", "quote"},
		{"invalid utf-8", "p.csv", header + "P1,company,Caf\xe9,,,,,\n", 2, "name", "UTF-8"},
		{"bad country", "p.csv", header + "P1,company,X,,ZZZ,,,\n", 2, "country", "ISO 3166"},
		{"unknown country", "p.csv", header + "P1,company,X,,QQ,,,\n", 2, "country", "not an ISO 3166-1"},
		{"bad type", "p.csv", header + "P1,army,X,,,,,\n", 2, "type", "unknown party type"},
		{"empty name", "p.csv", header + "P1,company, ,,,,,\n", 2, "name", "must not be empty"},
		{"bad identifier", "p.csv", header + "P1,company,X,,,novalue,,\n", 2, "identifiers", "scheme:value"},
		{"bad sector", "p.csv", header + "P1,company,X,,,,Military,\n", 2, "sectors", "lower case"},
		{"bad id", "p.csv", header + "P 1,company,X,,,,,\n", 2, "id", "not a valid id"},
		{"duplicate id", "p.csv", header + "P1,company,X,,,,,\nP2,company,Y,,,,,\nP1,company,Z,,,,,\n", 4, "id", "first on line 2"},
		{"jsonl bad json", "p.jsonl", `{"id":"P1","type":"company","name":"X"}` + "\n{\"id\":\n", 2, "", "invalid JSON"},
		{"jsonl unknown field", "p.jsonl", `{"id":"P1","type":"company","name":"X","colour":"red"}` + "\n", 1, "colour", "unknown field"},
		{"jsonl wrong type", "p.jsonl", "\n" + `{"id":"P1","type":"company","name":"X","aliases":"A"}` + "\n", 2, "aliases", "wrong type"},
		{"jsonl bad value", "p.jsonl", `{"id":"P1","type":"company","name":"X","country":"fr"}` + "\n", 1, "country", "ISO 3166"},
		{"jsonl two values", "p.jsonl", `{"id":"P1","type":"company","name":"X"} {}` + "\n", 1, "", "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			_, err := importFile(t, s, vigil.KindParty, writeFile(t, tc.file, tc.content))
			var ie *transfer.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want *ImportError", err, err)
			}
			le := ie.Errors[0]
			if le.File != tc.file || le.Line != tc.line || le.Field != tc.field || !strings.Contains(le.Msg, tc.msg) {
				t.Fatalf("got %q (line %d field %q), want line %d field %q containing %q", le.Error(), le.Line, le.Field, tc.line, tc.field, tc.msg)
			}
			if n, _ := s.Count(ctx, vigil.KindParty); n != 0 {
				t.Fatalf("%d parties written by a failed import", n)
			}
		})
	}
}

func TestImportReportsEveryBadLineAndWritesNothing(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,type,name,country\n")
	for i := range 30 {
		country := "NO"
		if i%3 == 0 {
			country = "??"
		}
		fmt.Fprintf(&b, "P%d,company,Name %d,%s\n", i, i, country)
	}
	s := openStore(t)
	_, err := importFile(t, s, vigil.KindParty, writeFile(t, "p.csv", b.String()))
	var ie *transfer.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v", err)
	}
	if len(ie.Errors) != 10 || ie.More || ie.Errors[9].Line != 29 {
		t.Fatalf("errors: %d (more %v), last on line %d: %v", len(ie.Errors), ie.More, ie.Errors[len(ie.Errors)-1].Line, err)
	}
	b.Reset()
	b.WriteString("id,type,name,country\n")
	for i := range 50 {
		fmt.Fprintf(&b, "P%d,company,Name %d,??\n", i, i)
	}
	_, err = importFile(t, s, vigil.KindParty, writeFile(t, "p.csv", b.String()))
	if !errors.As(err, &ie) || len(ie.Errors) != transfer.MaxReported || !ie.More {
		t.Fatalf("50 bad lines: %v", err)
	}
}

func TestDanglingReferenceNamesTheLine(t *testing.T) {
	s := openStore(t)
	if _, err := importFile(t, s, vigil.KindParty, writeFile(t, "parties.csv", partiesCSV)); err != nil {
		t.Fatal(err)
	}
	links := "id,from,to,type,share,source\nL1,P1,P2,controls,,\nL2,P3,P9,resells_to,,\nL3,P1,P3,owns,51%,registry\n"
	_, err := importFile(t, s, vigil.KindLink, writeFile(t, "links.csv", links))
	var ie *transfer.ImportError
	if !errors.As(err, &ie) || ie.Errors[0].Line != 3 || ie.Errors[0].Field != "to" || !strings.Contains(ie.Errors[0].Msg, `"P9"`) {
		t.Fatalf("error: %v", err)
	}
	if n, _ := s.Count(ctx, vigil.KindLink); n != 0 {
		t.Fatalf("%d links written", n)
	}
	bad := "id,from,to,type,share,source\nL1,P1,P2,controls,40,\n"
	_, err = importFile(t, s, vigil.KindLink, writeFile(t, "links.csv", bad))
	if !errors.As(err, &ie) || ie.Errors[0].Field != "share" {
		t.Fatalf("share on controls link: %v", err)
	}
}

func TestUnknownFormat(t *testing.T) {
	s := openStore(t)
	_, err := importFile(t, s, vigil.KindParty, writeFile(t, "parties.xlsx", "x"))
	if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(err.Error(), "parties.xlsx") {
		t.Fatalf("error: %v", err)
	}
	_, err = transfer.ImportFile(ctx, s, transfer.Options{Kind: vigil.KindParty, Path: "/does/not/exist.csv"})
	if err == nil || !strings.Contains(err.Error(), "exist.csv") {
		t.Fatalf("missing file: %v", err)
	}
}

// portfolioFiles is one small valid file of every kind, in import order.
var portfolioFiles = []struct {
	kind    vigil.Kind
	content string
}{
	{vigil.KindService, "id,name,capabilities,description\nsvc-stt,Speech,ai.speech_to_text;storage.object,\"Transcribes, at scale\"\n"},
	{vigil.KindContext, "id,status,high_risk,source,as_of,notes\nNO-03,occupation,true,Analyst desk,2026-01-15,\nBB,none,false,Analyst desk,2026-01-15,calm\n"},
	{vigil.KindParty, partiesCSV},
	{vigil.KindLink, "id,from,to,type,share,source\nL1,P3,P1,acts_for,,contract\nL2,P1,P3,owns,12.5,registry\n"},
	{vigil.KindAccount, "id,party_id,name,billing_country,opened_on\nA1,P3,Integrator main,BB,2024-03-01\n"},
	{vigil.KindSubscription, "id,account_id,service_id,region,started_on,status\nS1,A1,svc-stt,eu-west-1,2024-03-02,active\n"},
	{vigil.KindSource, "id,title,publisher,url,published_on,language,reliability,credibility,party_ids\nSRC1,Report on units,NGO,https://example.org/r,2025-09-01,en,B,2,P1;P2\n"},
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, format := range []transfer.Format{transfer.CSV, transfer.JSONL} {
		t.Run(string(format), func(t *testing.T) {
			a := openStore(t)
			for _, f := range portfolioFiles {
				if _, err := importFile(t, a, f.kind, writeFile(t, string(f.kind)+".csv", f.content)); err != nil {
					t.Fatal(err)
				}
			}
			b := openStore(t)
			dir := t.TempDir()
			for _, f := range portfolioFiles {
				var buf bytes.Buffer
				n, err := transfer.Export(ctx, a, f.kind, format, &buf)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Fatalf("%s: nothing exported", f.kind)
				}
				p := filepath.Join(dir, string(f.kind)+"."+string(format))
				if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				// Into a fresh store: everything created.
				sum, err := importFile(t, b, f.kind, p)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Created != n {
					t.Fatalf("%s: created %d of %d", f.kind, sum.Created, n)
				}
				// Back into the original: nothing changed.
				sum, err = importFile(t, a, f.kind, p)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Unchanged != n || sum.Created+sum.Updated != 0 {
					t.Fatalf("%s: round trip changed records: %+v", f.kind, sum)
				}
			}
		})
	}
}

func TestImportProgressReachesTheEnd(t *testing.T) {
	s := openStore(t)
	p := writeFile(t, "parties.csv", partiesCSV)
	var last = map[string]int64{}
	_, err := transfer.ImportFile(ctx, s, transfer.Options{Kind: vigil.KindParty, Path: p, Actor: "t",
		Progress: func(stage string, done, total int64) { last[stage] = done }})
	if err != nil {
		t.Fatal(err)
	}
	if last["importing"] != int64(len(partiesCSV)) {
		t.Fatalf("progress: %v, want %d", last, len(partiesCSV))
	}
}
