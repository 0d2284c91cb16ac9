package usage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// LineError is a bad record in a file or request body: where it is and
// which field is at fault. It unwraps to an EINVALID *vigil.Error, so the
// CLI and the API treat it as bad input.
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

func (e *LineError) Unwrap() error {
	msg := e.Msg
	if e.Line > 0 {
		msg = "line " + strconv.Itoa(e.Line) + ": " + msg
	}
	return &vigil.Error{Code: vigil.EINVALID, Field: e.Field, Message: msg, Row: e.Line - 1}
}

// MaxReported is how many bad lines one error lists.
const MaxReported = 20

// FileError lists the bad lines of a file: nothing of it was stored.
type FileError struct {
	File   string
	Errors []*LineError
	// More is true when the file had more bad lines than listed.
	More bool
}

func (e *FileError) Error() string {
	n := fmt.Sprintf("%d bad line(s)", len(e.Errors))
	if e.More {
		n = fmt.Sprintf("more than %d bad lines, the first %d are", MaxReported, MaxReported)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: nothing ingested: %s", e.File, n)
	for _, le := range e.Errors {
		b.WriteString("\n  ")
		b.WriteString(le.Error())
	}
	return b.String()
}

// Unwrap gives the first bad line, so callers see an EINVALID error.
func (e *FileError) Unwrap() error {
	if len(e.Errors) == 0 {
		return nil
	}
	return e.Errors[0]
}

// Format is a file format.
type Format string

const (
	JSONLines Format = "jsonl"
	CSV       Format = "csv"
)

// FormatOf guesses the format from a file name: .csv is CSV, .jsonl,
// .ndjson and .json are JSON Lines.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONLines, nil
	}
	return "", vigil.Errorf(vigil.EINVALID, "%s: cannot tell the format from the name (want .csv, .jsonl or .ndjson)", name)
}

// Reader reads usage records from a file, checking each, and hashes what
// it reads. It is a Source: Next yields valid records and, at the end,
// returns a *FileError when any line was bad, so that an ingest that
// streamed the good ones into a transaction rolls it back and nothing of a
// bad file is stored.
type Reader struct {
	file   string
	format Format
	br     *bufio.Reader
	h      hash.Hash
	dec    *Decoder
	line   int
	bad    []*LineError
	more   bool
	done   bool

	csv    *csv.Reader
	colOf  [8]int
	pieces []byte
}

// NewReader reads records in format from r; file names the source in
// errors.
func NewReader(r io.Reader, file string, format Format) (*Reader, error) {
	h := sha256.New()
	rd := &Reader{file: file, format: format, h: h, dec: NewDecoder()}
	rd.br = bufio.NewReaderSize(io.TeeReader(r, h), 1<<16)
	switch format {
	case JSONLines:
	case CSV:
		if err := rd.csvHeader(); err != nil {
			return nil, err
		}
	default:
		return nil, vigil.Errorf(vigil.EINVALID, "%s: unknown format %q (want csv or jsonl)", file, format)
	}
	return rd, nil
}

// SHA256 is the hex digest of everything read so far; after the last
// record, of the whole file.
func (r *Reader) SHA256() string { return hex.EncodeToString(r.h.Sum(nil)) }

// Lines is the number of lines read.
func (r *Reader) Lines() int { return r.line }

func (r *Reader) fail(line int, field, msg string) {
	if len(r.bad) >= MaxReported {
		r.more = true
		return
	}
	r.bad = append(r.bad, &LineError{File: r.file, Line: line, Field: field, Msg: msg})
}

// Next reads the next valid record into rec. Bad lines are collected and
// skipped; after the last line Next returns the *FileError listing them,
// or io.EOF when there were none.
func (r *Reader) Next(rec *Record) error {
	for !r.done {
		var ok bool
		var err error
		if r.format == CSV {
			ok, err = r.nextCSV(rec)
		} else {
			ok, err = r.nextJSON(rec)
		}
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	if len(r.bad) > 0 {
		return &FileError{File: r.file, Errors: r.bad, More: r.more}
	}
	return io.EOF
}

func (r *Reader) nextJSON(rec *Record) (bool, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the buffer is far past MaxLineBytes: report
		// it and skip to its end without holding it in memory.
		r.line++
		r.fail(r.line, "", fmt.Sprintf("the line is more than %d bytes, more than a usage record's %d: refused as possible content", len(line), MaxLineBytes))
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n')
		}
		if err == io.EOF {
			r.done = true
			return false, nil
		}
		return false, r.readErr(err)
	}
	if err == io.EOF {
		r.done = true
		if len(line) == 0 {
			return false, nil
		}
	} else if err != nil {
		return false, r.readErr(err)
	}
	r.line++
	line = bytes.TrimRight(line, "\r\n")
	if len(bytes.TrimSpace(line)) == 0 {
		return false, nil // blank lines are allowed, as in most JSON Lines tools
	}
	if field, msg := r.dec.DecodeLine(line, rec); msg != "" {
		r.fail(r.line, field, msg)
		return false, nil
	}
	return len(r.bad) == 0, nil
}

func (r *Reader) readErr(err error) error {
	return fmt.Errorf("%s: line %d: read: %w", r.file, r.line+1, err)
}

func (r *Reader) csvHeader() error {
	r.csv = csv.NewReader(r.br)
	r.csv.ReuseRecord = true
	r.csv.FieldsPerRecord = -1
	head, err := r.csv.Read()
	if err == io.EOF {
		return &LineError{File: r.file, Line: 1, Msg: "empty file: want a header line with " + fieldList()}
	}
	if err != nil {
		return &LineError{File: r.file, Line: 1, Msg: csvMsg(err)}
	}
	for i := range r.colOf {
		r.colOf[i] = -1
	}
	for i, name := range head {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		bit, fe := fieldBit([]byte(name))
		if fe != nil {
			return &LineError{File: r.file, Line: 1, Field: fe.field, Msg: "column " + fe.msg}
		}
		k := bitIndex(bit)
		if r.colOf[k] >= 0 {
			return &LineError{File: r.file, Line: 1, Field: name, Msg: "column appears twice"}
		}
		r.colOf[k] = i
	}
	for k, c := range r.colOf {
		if c < 0 {
			return &LineError{File: r.file, Line: 1, Field: Fields[k], Msg: "column is missing (a usage file has " + fieldList() + ")"}
		}
	}
	r.line = 1
	return nil
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (r *Reader) nextCSV(rec *Record) (bool, error) {
	row, err := r.csv.Read()
	if err == io.EOF {
		r.done = true
		return false, nil
	}
	line, _ := r.csv.FieldPos(0)
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return false, r.readErr(err)
		}
		r.line = pe.Line
		r.fail(pe.Line, "", csvMsg(err))
		return false, nil
	}
	r.line = line
	if len(row) != len(Fields) {
		r.fail(line, "", fmt.Sprintf("%d cells, want %d (%s): refused, since extra cells may carry content", len(row), len(Fields), fieldList()))
		return false, nil
	}
	if field, msg := r.dec.setCSV(row, r.colOf[:], rec); msg != "" {
		r.fail(line, field, msg)
		return false, nil
	}
	return len(r.bad) == 0, nil
}

// setCSV fills rec from one CSV row with the same checks as DecodeLine.
func (d *Decoder) setCSV(row []string, colOf []int, rec *Record) (string, string) {
	*rec = Record{}
	for k, name := range Fields {
		v := row[colOf[k]]
		bit := uint(1) << k
		if bit == fQuantity {
			if len(v) > 32 {
				return name, "must be a number"
			}
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return name, "must be a number"
			}
			if m := checkQuantity(q); m != "" {
				return name, m
			}
			rec.Quantity = q
			continue
		}
		if e := d.set(rec, bit, []byte(v)); e != nil {
			return name, e.msg
		}
	}
	if f, m := checkPeriod(rec.Start, rec.End); m != "" {
		return f, m
	}
	return "", ""
}

// ReadAll decodes JSON Lines held in memory, as the HTTP batch endpoint
// receives them. A bad line fails the whole batch with a *FileError.
func ReadAll(body []byte, name string) ([]Record, error) {
	return NewDecoder().AppendAll(nil, body, name)
}

// AppendAll decodes JSON Lines held in memory and appends the records to
// out: a NATS worker decodes message after message with one Decoder, whose
// interned strings then serve them all. A bad line fails the whole body
// with a *FileError and returns out as it was.
func (d *Decoder) AppendAll(out []Record, body []byte, name string) ([]Record, error) {
	n0 := len(out)
	var bad []*LineError
	more := false
	line := 0
	for len(body) > 0 {
		var l []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			l, body = body, nil
		}
		line++
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		out = append(out, Record{})
		if field, msg := d.DecodeLine(l, &out[len(out)-1]); msg != "" {
			out = out[:len(out)-1]
			if len(bad) < MaxReported {
				bad = append(bad, &LineError{File: name, Line: line, Field: field, Msg: msg})
			} else {
				more = true
			}
			continue
		}
	}
	if len(bad) > 0 {
		return out[:n0], &FileError{File: name, Errors: bad, More: more}
	}
	return out, nil
}
