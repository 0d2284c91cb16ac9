package lists

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every malformed file must fail as a whole, with an error that names the
// file and line (and field where one is at fault), and return no entities.

type badCase struct {
	name   string
	format string
	file   string // file name inside the temp dir; sets the extension
	body   string
	extra  map[string]string // sibling files (OFAC)
	want   error             // ErrFormat or ErrInvalidUTF8
	line   int
	field  string
}

const ofacGood = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"

var badCases = []badCase{
	{name: "ofac wrong columns", format: "ofac", file: "sdn.csv",
		body: ofacGood + "173,\"ANGLO-CARIBBEAN CO., LTD.\",-0- ,\"CUBA\"\r\n\x1a", want: ErrFormat, line: 2},
	{name: "ofac bad ent_num", format: "ofac", file: "sdn.csv",
		body: ofacGood + "x7,\"NAME\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", want: ErrFormat, line: 2, field: "ent_num"},
	{name: "ofac latin-1 name", format: "ofac", file: "sdn.csv",
		body: ofacGood + "37,\"CAF\xc9 CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", want: ErrInvalidUTF8, line: 2, field: "SDN_Name"},
	{name: "ofac bad alt type", format: "ofac", file: "sdn.csv", body: ofacGood,
		extra: map[string]string{"alt.csv": "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n36,13,\"xyz\",\"AC\",-0- \r\n"}, want: ErrFormat, line: 2, field: "alt_type"},
	{name: "ofac bad add.csv columns", format: "ofac", file: "sdn.csv", body: ofacGood,
		extra: map[string]string{"add.csv": "36,25,-0- ,\"Havana\"\r\n"}, want: ErrFormat, line: 1},
	{name: "ofac stray quote", format: "ofac", file: "sdn.csv",
		body: ofacGood + "38,\"BAD \"QUOTE\" NAME\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", want: ErrFormat, line: 2},
	{name: "un truncated", format: "un", file: "un.xml",
		body: "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n<FIRST_NAME>ERIC</FIRST_NAME>\n<REFERENCE_NUMBER>CDi.001</REF", want: ErrFormat, line: 6},
	{name: "un invalid utf-8", format: "un", file: "un.xml",
		body: "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n<FIRST_NAME>ER\xffIC</FIRST_NAME>\n</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n", want: ErrInvalidUTF8, line: 5},
	{name: "un wrong root", format: "un", file: "un.xml",
		body: "<?xml version=\"1.0\"?>\n<export></export>\n", want: ErrFormat, line: 2},
	{name: "un no name", format: "un", file: "un.xml",
		body: "<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>", want: ErrFormat, line: 2, field: "FIRST_NAME"},
	{name: "un empty file", format: "un", file: "un.xml", body: "", want: ErrFormat, line: 1},
	{name: "eu annex missing column", format: "eu", file: "annex.csv",
		body: "celex,recordId,programKey,annex,schema,name\n32014R0833,1,EU-RUS,III,LegalEntity,SBERBANK\n", want: ErrFormat, line: 1, field: "alias"},
	{name: "eu annex invalid utf-8", format: "eu", file: "annex.csv",
		body: "celex,recordId,programKey,annex,schema,name,alias\n32014R0833,1,EU-RUS,III,LegalEntity,SBERBANK,\n32014R0833,2,EU-RUS,III,LegalEntity,VTB,\xd0\n", want: ErrInvalidUTF8, line: 3, field: "alias"},
	{name: "eu annex ragged row", format: "eu", file: "annex.csv",
		body: "celex,recordId,programKey,annex,schema,name,alias\n32014R0833,1,EU-RUS,III,LegalEntity\n", want: ErrFormat, line: 2},
	{name: "eu xml truncated", format: "eu", file: "fsf.xml",
		body: "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">\n<sanctionEntity logicalId=\"1\">\n<nameAlias wholeName=\"X\"/>\n", want: ErrFormat, line: 4},
	{name: "eu xml no logicalId", format: "eu", file: "fsf.xml",
		body: "<export>\n<sanctionEntity>\n<nameAlias wholeName=\"X\"/>\n</sanctionEntity>\n</export>\n", want: ErrFormat, line: 2, field: "logicalId"},
	{name: "eu sniffed xml without extension", format: "eu", file: "fsf",
		body: "<export>\n<sanctionEntity logicalId=\"1\"><nameAlias wholeName=\"\xe9\"/></sanctionEntity></export>", want: ErrInvalidUTF8, line: 2},
	{name: "csl wrong header", format: "csl", file: "csl.csv",
		body: "source,entity_number,type,programs,nom\nX,1,Entity,P,NAME\n", want: ErrFormat, line: 1, field: "name"},
	{name: "csl invalid utf-8", format: "csl", file: "csl.csv",
		body: "source,name,type,alt_names,addresses,ids\nDPL,A,,,,\nDPL,B\xfe,,,,\n", want: ErrInvalidUTF8, line: 3, field: "name"},
	{name: "dod wrong header", format: "dod", file: "dod.csv",
		body: "Name,Alias\nAVIC,AVIC\n", want: ErrFormat, line: 1, field: "Clean Name"},
	{name: "dod empty name", format: "dod", file: "dod.csv",
		body: "Name,Clean Name,Alias,Previous Name,Parent Name\nA,A,,,\n,,X,,\n", want: ErrFormat, line: 3, field: "Clean Name"},
	{name: "ftm bad json", format: "ftm", file: "e.ftm.json",
		body: "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}}\n{\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"name\":[\"B\"]\n", want: ErrFormat, line: 2},
	{name: "ftm invalid utf-8", format: "ftm", file: "e.ftm.json",
		body: "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\xc3\"]}}\n", want: ErrInvalidUTF8, line: 1},
	{name: "ftm without schema", format: "ftm", file: "e.ftm.json",
		body: "\n{\"id\":\"a\",\"properties\":{\"name\":[\"A\"]}}\n", want: ErrFormat, line: 2, field: "schema"},
	{name: "csv wrong header", format: "csv", file: "l.csv",
		body: "id,name,aliases,kind,country,source\n1,A,,person,,x\n", want: ErrFormat, line: 1, field: "type"},
	{name: "csv duplicate id", format: "csv", file: "l.csv",
		body: "id,name,aliases,type,country,source\n1,A,,person,,x\n1,B,,person,,x\n", want: ErrFormat, line: 3, field: "id"},
	{name: "csv invalid utf-8", format: "csv", file: "l.csv",
		body: "id,name,aliases,type,country,source\n1,A,\x80,person,,x\n", want: ErrInvalidUTF8, line: 2, field: "aliases"},
	{name: "csv empty", format: "csv", file: "l.csv", body: "", want: ErrFormat, line: 1},
}

func TestMalformedFiles(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, c.file)
			if err := os.WriteFile(p, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			for n, b := range c.extra {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			es, err := Load(context.Background(), c.format, p)
			if err == nil {
				t.Fatalf("no error; got %d entities", len(es))
			}
			if es != nil {
				t.Errorf("got %d entities alongside the error; want none", len(es))
			}
			if !errors.Is(err, c.want) {
				t.Errorf("error %q does not wrap %v", err, c.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q is not a *ParseError", err)
			}
			if !strings.HasPrefix(pe.File, dir) {
				t.Errorf("error names file %q, want a file in %s", pe.File, dir)
			}
			if pe.Line != c.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, c.line, err)
			}
			if pe.Field != c.field {
				t.Errorf("field %q, want %q (%v)", pe.Field, c.field, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, pe.File) || (c.line > 0 && !strings.Contains(msg, "line ")) {
				t.Errorf("message %q lacks file or line", msg)
			}
			t.Log(msg)
		})
	}
}

func TestMissingFile(t *testing.T) {
	for _, f := range Formats {
		if _, err := Load(context.Background(), f, filepath.Join(t.TempDir(), "nope.csv")); err == nil {
			t.Errorf("%s: no error for a missing file", f)
		}
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b strings.Builder
	b.WriteString("id,name,aliases,type,country,source\n")
	for i := 0; i < 1000; i++ {
		b.WriteString("x")
		b.WriteString(strings.Repeat("1", i%7+1))
		b.WriteString(",N,,,,\n")
	}
	if _, err := ParseCSV(ctx, strings.NewReader(b.String()), "l.csv"); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestOFACQuirks(t *testing.T) {
	dir := t.TempDir()
	// A renamed primary file, a Ctrl-Z followed by a newline, and a UTF-8
	// byte-order mark all still load.
	p := filepath.Join(dir, "sdn_2024.csv")
	if err := os.WriteFile(p, []byte("\ufeff"+ofacGood+"\x1a\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := Load(context.Background(), "ofac", p)
	if err != nil || len(es) != 1 || es[0].ID != "ofac-sdn:36" {
		t.Fatalf("got %+v, %v", es, err)
	}
}
