package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-hrdd/vigil"
)

// MaxReported caps how many bad lines one import reports: enough to fix a
// file in one go, not so many that the first ones scroll away.
const MaxReported = 20

// ImportError lists the bad lines of a file that was not imported.
type ImportError struct {
	File   string
	Errors []*LineError
	// More is true when the file had more bad lines than reported.
	More bool
}

func (e *ImportError) Error() string {
	s := fmt.Sprintf("%s: nothing imported: %d bad line(s)", e.File, len(e.Errors))
	if e.More {
		s = fmt.Sprintf("%s: nothing imported: more than %d bad lines, the first %d are", e.File, MaxReported, MaxReported)
	}
	for _, le := range e.Errors {
		s += "\n  " + le.Error()
	}
	return s
}

// Progress is told how many bytes of the file have been read, out of total,
// and what the import is doing ("checking" or "importing").
type Progress func(stage string, done, total int64)

// Options are the settings of one file import.
type Options struct {
	Kind     vigil.Kind
	Path     string
	Format   string // "" to tell by the file name
	Actor    string
	Progress Progress // may be nil
	// Open opens the file; nil means os.Open(Path). It is called twice, once
	// to check and once to import.
	Open func() (io.ReadCloser, error)
}

func (o Options) open() (io.ReadCloser, int64, error) {
	if o.Open != nil {
		rc, err := o.Open()
		return rc, -1, err
	}
	f, err := os.Open(o.Path)
	if err != nil {
		return nil, 0, err
	}
	return f, fileSize(f), nil
}

// ImportFile imports one file into the store, all or nothing, in one read:
// records stream into the store's transaction while they are checked; at
// the first bad line the reading goes on only to collect the other bad
// lines (every one is reported, with its file, line and field), and the
// transaction is rolled back. Records already stored unchanged are counted,
// not rewritten.
func ImportFile(ctx context.Context, store vigil.RecordStore, opt Options) (vigil.ImportSummary, error) {
	format, err := DetectFormat(opt.Path, opt.Format)
	if err != nil {
		return vigil.ImportSummary{}, err
	}
	name := filepath.Base(opt.Path)
	f, total, err := opt.open()
	if err != nil {
		return vigil.ImportSummary{}, fmt.Errorf("import %s: %w", opt.Kind, err)
	}
	defer f.Close()
	h := sha256.New()
	counter := &countingReader{r: io.TeeReader(f, h), stage: "importing", total: total, progress: opt.Progress}
	dec, err := newDecoder(opt.Kind, format, name, counter)
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			return vigil.ImportSummary{}, &ImportError{File: name, Errors: []*LineError{le}}
		}
		return vigil.ImportSummary{}, err
	}
	src := &source{ctx: ctx, dec: dec, file: name, firstLine: map[string]int32{}, hash: h}
	sum, err := store.Import(ctx, vigil.ImportRequest{Kind: opt.Kind, Source: src, Actor: opt.Actor, File: name})
	if err != nil {
		var ie *ImportError
		if errors.As(err, &ie) {
			return sum, ie
		}
		var ve *vigil.Error
		if errors.As(err, &ve) && ve.Row >= 0 && ve.Row < len(src.lines) {
			return sum, &ImportError{File: name, Errors: []*LineError{{File: name, Line: int(src.lines[ve.Row]), Field: ve.Field, Msg: ve.Message}}}
		}
		return sum, fmt.Errorf("import %s: %w", name, err)
	}
	return sum, nil
}

// source checks each record as the store reads it. On the first bad line it
// reads the rest of the file for more bad lines and then fails, so that the
// store rolls back and the user sees every problem at once.
type source struct {
	ctx       context.Context
	dec       decoder
	file      string
	lines     []int32 // the line of each record handed out, by position
	firstLine map[string]int32
	hash      hash.Hash
	n         int
}

// RecordsChecked tells the store that every record has been validated and
// no id comes twice (check), so it need not do either again.
func (s *source) RecordsChecked() bool { return true }

// SHA256 is the digest of the file, complete once Next has returned io.EOF.
func (s *source) SHA256() string { return hex.EncodeToString(s.hash.Sum(nil)) }

func (s *source) Next() (vigil.Record, error) {
	for {
		s.n++
		if s.n%4096 == 0 {
			if err := s.ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, line, err := s.dec.next()
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if le := s.check(rec, line, err); le != nil {
			return nil, s.collect(le)
		} else if err != nil {
			return nil, err
		}
		s.firstLine[rec.RecordID()] = int32(line)
		s.lines = append(s.lines, int32(line))
		return rec, nil
	}
}

// check returns the problem of one decoded record, if any.
func (s *source) check(rec vigil.Record, line int, err error) *LineError {
	var le *LineError
	if errors.As(err, &le) {
		return le
	}
	if err != nil {
		return nil
	}
	if err := rec.Validate(); err != nil {
		var ve *vigil.Error
		if errors.As(err, &ve) {
			return &LineError{File: s.file, Line: line, Field: ve.Field, Msg: ve.Message}
		}
		return &LineError{File: s.file, Line: line, Msg: err.Error()}
	}
	if prev, dup := s.firstLine[rec.RecordID()]; dup {
		return &LineError{File: s.file, Line: line, Field: "id", Msg: fmt.Sprintf("id %q appears again (first on line %d)", rec.RecordID(), prev)}
	}
	return nil
}

// collect reads the rest of the file after a bad line and returns every bad
// line found (up to MaxReported).
func (s *source) collect(first *LineError) error {
	report := &ImportError{File: s.file, Errors: []*LineError{first}}
	for {
		rec, line, err := s.dec.next()
		if errors.Is(err, io.EOF) {
			return report
		}
		le := s.check(rec, line, err)
		if le == nil && err != nil {
			return err
		}
		if le == nil {
			s.firstLine[rec.RecordID()] = int32(line)
			continue
		}
		if len(report.Errors) < MaxReported {
			report.Errors = append(report.Errors, le)
		} else {
			report.More = true
		}
	}
}

type countingReader struct {
	r        io.Reader
	n, total int64
	stage    string
	progress Progress
	reported int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && (c.n-c.reported >= 1<<20 || err != nil) {
		c.reported = c.n
		c.progress(c.stage, c.n, c.total)
	}
	return n, err
}

func fileSize(f *os.File) int64 {
	if st, err := f.Stat(); err == nil {
		return st.Size()
	}
	return -1
}
