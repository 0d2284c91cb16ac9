package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil"
)

// Format is a file format for import and export.
type Format string

const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// DetectFormat picks the format from the file name, unless one is given.
func DetectFormat(path, given string) (Format, error) {
	switch strings.ToLower(given) {
	case "csv":
		return CSV, nil
	case "jsonl", "ndjson", "json":
		return JSONL, nil
	case "":
	default:
		return "", vigil.Errorf(vigil.EINVALID, "unknown format %q (want csv or jsonl)", given)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	}
	return "", vigil.Errorf(vigil.EINVALID, "%s: cannot tell the format from the file name: name it .csv or .jsonl, or pass --format", path)
}

// LineError is one bad line of an import file.
type LineError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *LineError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// decoder yields records with the line they start on. A *LineError is a
// bad record the caller may skip past; any other error ends the file.
type decoder interface {
	next() (vigil.Record, int, error)
}

func newDecoder(kind vigil.Kind, format Format, file string, r io.Reader) (decoder, error) {
	switch format {
	case CSV:
		return newCSVDecoder(kind, file, r)
	case JSONL:
		return &jsonlDecoder{kind: kind, file: file, r: bufio.NewReaderSize(r, 1<<16)}, nil
	}
	return nil, vigil.Errorf(vigil.EINVALID, "unknown format %q", format)
}

type csvDecoder struct {
	kind    vigil.Kind
	file    string
	r       *csv.Reader
	columns []*field // by position; nil for none
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func newCSVDecoder(kind vigil.Kind, file string, r io.Reader) (*csvDecoder, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		br.Discard(3) // spreadsheet programs write a byte-order mark
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &LineError{File: file, Line: 1, Msg: "empty file: the first line must be the header (" + strings.Join(Columns(kind), ",") + ")"}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	d := &csvDecoder{kind: kind, file: file, r: cr, columns: make([]*field, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		var f *field
		for j := range fields[kind] {
			if fields[kind][j].name == h {
				f = &fields[kind][j]
			}
		}
		if f == nil {
			return nil, &LineError{File: file, Line: 1, Field: h, Msg: fmt.Sprintf("unknown column for %s (known columns: %s)", kind, strings.Join(Columns(kind), ", "))}
		}
		if seen[h] {
			return nil, &LineError{File: file, Line: 1, Field: h, Msg: "column appears twice"}
		}
		seen[h] = true
		d.columns[i] = f
	}
	for _, f := range fields[kind] {
		if f.required && !seen[f.name] {
			return nil, &LineError{File: file, Line: 1, Field: f.name, Msg: fmt.Sprintf("required column missing (the header has %s)", strings.Join(header, ","))}
		}
	}
	return d, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "wrong number of fields: every line must have as many as the header"
		}
		return &LineError{File: file, Line: pe.StartLine, Msg: msg}
	}
	return fmt.Errorf("%s: %w", file, err)
}

func (d *csvDecoder) next() (vigil.Record, int, error) {
	row, err := d.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			// The reader can go on after a short or long line.
			return nil, pe.StartLine, csvError(d.file, err)
		}
		return nil, 0, csvError(d.file, err)
	}
	line, _ := d.r.FieldPos(0)
	rec, _ := vigil.NewRecord(d.kind)
	for i, v := range row {
		f := d.columns[i]
		if !utf8.ValidString(v) {
			return nil, line, &LineError{File: d.file, Line: line, Field: f.name, Msg: "not valid UTF-8: save the file as UTF-8"}
		}
		v = strings.TrimSpace(v)
		if err := f.set(rec, v); err != nil {
			return nil, line, &LineError{File: d.file, Line: line, Field: f.name, Msg: err.Error()}
		}
	}
	return rec, line, nil
}

type jsonlDecoder struct {
	kind vigil.Kind
	file string
	r    *bufio.Reader
	line int
}

func (d *jsonlDecoder) next() (vigil.Record, int, error) {
	for {
		raw, err := d.r.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil, 0, io.EOF
			}
			return nil, 0, fmt.Errorf("%s: %w", d.file, err)
		}
		d.line++
		raw = bytes.TrimSpace(raw)
		if d.line == 1 {
			raw = bytes.TrimPrefix(raw, utf8BOM)
		}
		if len(raw) == 0 {
			continue
		}
		if !utf8.Valid(raw) {
			return nil, d.line, &LineError{File: d.file, Line: d.line, Msg: "not valid UTF-8: save the file as UTF-8"}
		}
		rec, _ := vigil.NewRecord(d.kind)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(rec); err != nil {
			return nil, d.line, jsonError(d.file, d.line, err)
		}
		if dec.More() {
			return nil, d.line, &LineError{File: d.file, Line: d.line, Msg: "more than one JSON value on the line"}
		}
		return rec, d.line, nil
	}
}

func jsonError(file string, line int, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &LineError{File: file, Line: line, Field: te.Field, Msg: fmt.Sprintf("wrong type: got a JSON %s, want %s", te.Value, te.Type)}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &LineError{File: file, Line: line, Field: strings.Trim(f, `"`), Msg: "unknown field"}
	}
	var pe *json.SyntaxError
	if errors.As(err, &pe) {
		return &LineError{File: file, Line: line, Msg: fmt.Sprintf("invalid JSON at byte %d: %s", pe.Offset, pe.Error())}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &LineError{File: file, Line: line, Msg: "invalid JSON: the line ends before the value does"}
	}
	if strings.Contains(msg, "parsing time") {
		return &LineError{File: file, Line: line, Msg: "a date must be written as \"2006-01-02T00:00:00Z\": " + msg}
	}
	return &LineError{File: file, Line: line, Msg: strings.TrimPrefix(msg, "json: ")}
}
