package lists

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// cleanReader drops a leading UTF-8 byte-order mark (spreadsheet exports
// add one, and it would otherwise become part of the first header name) and
// a trailing Ctrl-Z (0x1A), the DOS end-of-file marker OFAC still writes.
// A 0x1A anywhere else is left alone so that the CSV and UTF-8 checks see it.
type cleanReader struct {
	br      *bufio.Reader
	started bool
}

func newCleanReader(r io.Reader) *cleanReader {
	return &cleanReader{br: bufio.NewReaderSize(r, 64*1024)}
}

func (c *cleanReader) Read(p []byte) (int, error) {
	if !c.started {
		c.started = true
		if b, err := c.br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
			c.br.Discard(3)
		}
	}
	n, err := c.br.Read(p)
	if n > 0 && p[n-1] == 0x1A {
		if _, perr := c.br.Peek(1); perr == io.EOF {
			n--
			if err == nil {
				err = io.EOF
			}
		}
	}
	return n, err
}

// csvFile reads one CSV file record by record, checking column count and
// UTF-8 and turning every problem into a ParseError that names the file,
// line and column name.
type csvFile struct {
	r      *csv.Reader
	file   string
	fields []string // column names, for error messages
	width  int      // required column count; 0 means any
}

func newCSVFile(r io.Reader, file string, fields []string, width int) *csvFile {
	cr := csv.NewReader(newCleanReader(r))
	cr.FieldsPerRecord = -1
	return &csvFile{r: cr, file: file, fields: fields, width: width}
}

func (c *csvFile) fieldName(i int) string {
	if i < len(c.fields) {
		return c.fields[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// next returns the next record and the line it starts on, or io.EOF.
func (c *csvFile) next() ([]string, int, error) {
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, perr(c.file, pe.Line, "", fmt.Errorf("%w: column %d: %v", ErrFormat, pe.Column, pe.Err))
			}
			return nil, 0, fmt.Errorf("%s: %w", c.file, err)
		}
		line, _ := c.r.FieldPos(0)
		if len(rec) == 1 && strings.Trim(rec[0], " \t\r\n\x1a") == "" {
			// A blank line, or a Ctrl-Z that is not quite the last byte
			// (a copy that gained a final newline).
			continue
		}
		if c.width > 0 && len(rec) != c.width {
			return nil, 0, formatErr(c.file, line, "", "want %d columns, got %d", c.width, len(rec))
		}
		for i, f := range rec {
			if err := validUTF8(c.file, line, c.fieldName(i), f); err != nil {
				l, _ := c.r.FieldPos(i)
				err.(*ParseError).Line = l
				return nil, 0, err
			}
		}
		return rec, line, nil
	}
}

// header reads the header row and checks that every required column is
// present, returning the column index by name. Extra columns are allowed:
// publishers add columns more often than they rename them.
func (c *csvFile) header(required ...string) (map[string]int, error) {
	rec, line, err := c.next()
	if err == io.EOF {
		return nil, formatErr(c.file, 1, "", "empty file: no header row")
	}
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, h := range rec {
		idx[strings.TrimSpace(h)] = i
	}
	for _, r := range required {
		if _, ok := idx[r]; !ok {
			return nil, formatErr(c.file, line, r, "header lacks required column (got %q)", strings.Join(rec, ","))
		}
	}
	c.fields = make([]string, len(rec))
	for i, h := range rec {
		c.fields[i] = strings.TrimSpace(h)
	}
	c.width = len(rec)
	return idx, nil
}

// row gives named access to a record with a header.
type row struct {
	rec []string
	idx map[string]int
}

func (r row) get(name string) string {
	i, ok := r.idx[name]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// rows checks the header of a CSV file with a header line, then calls fn
// with each row and the line it starts on, checking ctx as it goes; the
// first error from the file or from fn ends the reading.
func (c *csvFile) rows(ctx context.Context, required []string, fn func(rw row, line int) error) error {
	idx, err := c.header(required...)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		if err := checkCtx(ctx, n); err != nil {
			return err
		}
		rec, line, err := c.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(row{rec, idx}, line); err != nil {
			return err
		}
	}
}
