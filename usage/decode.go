package usage

import (
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Decoder reads usage records from JSON Lines. It is written for the fixed
// schema rather than built on encoding/json, which reaches about a fifth of
// the rate Vigil needs (MEASURED.md): it walks each line once, compares keys
// without allocating, checks every value as it reads it, and interns the
// few distinct subscriptions, meters, units and regions, so that a record
// costs one allocation (its key). FuzzDecodeLine checks it against
// encoding/json.
//
// A Decoder is not safe for concurrent use; give each goroutine its own.
type Decoder struct {
	intern  map[string]string
	scratch []byte
}

// internLimit bounds the interning table, so that a stream of distinct
// values cannot grow it without end; past it values are allocated.
const internLimit = 1 << 16

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	return &Decoder{intern: make(map[string]string, 256)}
}

// fieldErr is a bad value: the field (empty for a syntax error) and why.
type fieldErr struct {
	field string
	msg   string
}

// Field bits, to detect missing and repeated fields.
const (
	fKey = 1 << iota
	fSub
	fMeter
	fQuantity
	fUnit
	fStart
	fEnd
	fRegion
	fAll = 1<<iota - 1
)

// DecodeLine decodes one JSON Lines record into r. It returns the offending
// field ("" for a syntax error) and a message, or "", "" when the record is
// valid. line must not include the newline.
func (d *Decoder) DecodeLine(line []byte, r *Record) (field, msg string) {
	if e := d.decode(line, r); e != nil {
		return e.field, e.msg
	}
	return "", ""
}

func syntax(msg string, i int) *fieldErr {
	return &fieldErr{msg: "invalid JSON at column " + strconv.Itoa(i+1) + ": " + msg}
}

func (d *Decoder) decode(b []byte, r *Record) *fieldErr {
	if len(b) > MaxLineBytes {
		return &fieldErr{msg: "the line is " + strconv.Itoa(len(b)) + " bytes, more than a usage record's " + strconv.Itoa(MaxLineBytes) + ": refused as possible content"}
	}
	*r = Record{}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return syntax("a usage record is a JSON object", i)
	}
	i = skipWS(b, i+1)
	var seen uint
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return syntax("expected a field name", i)
			}
			key, j, e := d.str(b, i)
			if e != nil {
				return e
			}
			i = skipWS(b, j)
			if i >= len(b) || b[i] != ':' {
				return syntax("expected ':'", i)
			}
			i = skipWS(b, i+1)
			bit, e := fieldBit(key)
			if e != nil {
				return e
			}
			name := Fields[bitIndex(bit)]
			if seen&bit != 0 {
				return &fieldErr{field: name, msg: "appears twice"}
			}
			seen |= bit
			if bit == fQuantity {
				q, j, e := number(b, i)
				if e != nil {
					return e
				}
				if m := checkQuantity(q); m != "" {
					return &fieldErr{field: name, msg: m}
				}
				r.Quantity = q
				i = j
			} else {
				if i >= len(b) || b[i] != '"' {
					return &fieldErr{field: name, msg: "must be a string"}
				}
				v, j, e := d.str(b, i)
				if e != nil {
					e.field = name
					return e
				}
				if e := d.set(r, bit, v); e != nil {
					e.field = name
					return e
				}
				i = j
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return syntax("unexpected end of line", i)
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return syntax("expected ',' or '}'", i)
			}
			i = skipWS(b, i+1)
		}
	}
	if i = skipWS(b, i); i != len(b) {
		return syntax("text after the record", i)
	}
	if seen != fAll {
		for k, name := range Fields {
			if seen&(1<<k) == 0 {
				return &fieldErr{field: name, msg: "is missing (a usage record has " + fieldList() + ")"}
			}
		}
	}
	if f, m := checkPeriod(r.Start, r.End); m != "" {
		return &fieldErr{field: f, msg: m}
	}
	return nil
}

func fieldList() string {
	s := ""
	for i, f := range Fields {
		if i > 0 {
			s += ", "
		}
		s += f
	}
	return s
}

// unknownField is the privacy refusal. The name is quoted (cut to 40
// bytes) so the user can find it; the value is never read.
func unknownField(key []byte) *fieldErr {
	name := string(key)
	if len(name) > 40 {
		name = name[:40] + "..."
	}
	return &fieldErr{field: name, msg: "is not part of the metering schema (" + fieldList() +
		"): usage records carry metering metadata only, never content, payloads, file names or speaker or face identifiers"}
}

func fieldBit(key []byte) (uint, *fieldErr) {
	switch string(key) {
	case "key":
		return fKey, nil
	case "subscription_id":
		return fSub, nil
	case "meter":
		return fMeter, nil
	case "quantity":
		return fQuantity, nil
	case "unit":
		return fUnit, nil
	case "period_start":
		return fStart, nil
	case "period_end":
		return fEnd, nil
	case "region":
		return fRegion, nil
	}
	return 0, unknownField(key)
}

func bitIndex(bit uint) int {
	n := 0
	for bit > 1 {
		bit >>= 1
		n++
	}
	return n
}

func (d *Decoder) set(r *Record, bit uint, v []byte) *fieldErr {
	switch bit {
	case fKey:
		if m := checkIDBytes(v); m != "" {
			return &fieldErr{msg: m}
		}
		r.Key = string(v)
	case fSub:
		if m := checkIDBytes(v); m != "" {
			return &fieldErr{msg: m}
		}
		r.Subscription = d.internBytes(v)
	case fMeter:
		if m := checkTagBytes(v); m != "" {
			return &fieldErr{msg: m}
		}
		r.Meter = d.internBytes(v)
	case fRegion:
		if m := checkTagBytes(v); m != "" {
			return &fieldErr{msg: m}
		}
		r.Region = d.internBytes(v)
	case fUnit:
		u := d.internBytes(v)
		if m := checkUnit(u); m != "" {
			return &fieldErr{msg: m}
		}
		r.Unit = u
	case fStart, fEnd:
		t, ok := parseTime(v)
		if !ok {
			return &fieldErr{msg: "must be an RFC 3339 time such as 2026-03-01T00:00:00Z"}
		}
		if bit == fStart {
			r.Start = t
		} else {
			r.End = t
		}
	}
	return nil
}

func (d *Decoder) internBytes(v []byte) string {
	if s, ok := d.intern[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(d.intern) < internLimit {
		d.intern[s] = s
	}
	return s
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// str reads the JSON string starting at b[i] == '"' and returns its
// contents and the index after the closing quote. Without escapes the
// contents alias b; with them they are decoded into d.scratch.
func (d *Decoder) str(b []byte, i int) ([]byte, int, *fieldErr) {
	start := i + 1
	for j := start; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			return b[start:j], j + 1, nil
		case c == '\\':
			return d.strSlow(b, start)
		case c < 0x20:
			return nil, 0, syntax("control character in a string", j)
		}
	}
	return nil, 0, syntax("unterminated string", len(b))
}

func (d *Decoder) strSlow(b []byte, start int) ([]byte, int, *fieldErr) {
	out := d.scratch[:0]
	for j := start; j < len(b); {
		c := b[j]
		switch {
		case c == '"':
			d.scratch = out
			return out, j + 1, nil
		case c < 0x20:
			return nil, 0, syntax("control character in a string", j)
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			break
		}
		e := b[j+1]
		j += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, j)
			if !ok {
				return nil, 0, syntax("bad \\u escape", j)
			}
			j += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if j+6 <= len(b) && b[j] == '\\' && b[j+1] == 'u' {
					if v, ok := hex4(b, j+2); ok {
						r2 = v
					}
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					j += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, 0, syntax("bad escape", j-1)
		}
	}
	return nil, 0, syntax("unterminated string", len(b))
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number reads the JSON number at b[i]. Plain decimals with at most 15
// significant digits take the exact fast path (an integer mantissa divided
// by a power of ten is correctly rounded); anything else goes through
// strconv.
func number(b []byte, i int) (float64, int, *fieldErr) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return 0, 0, &fieldErr{field: "quantity", msg: "must be a number"}
	}
	var mant uint64
	digits, frac := 0, 0
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0, 0, syntax("bad number", i)
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
			frac++
			i++
		}
	}
	exp := false
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		exp = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0, 0, syntax("bad number", i)
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if b[start] != '-' && !exp && digits <= 15 && frac < len(pow10) {
		return float64(mant) / pow10[frac], i, nil
	}
	f, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0, syntax("bad number", start)
	}
	return f, i, nil
}

// parseTime reads an RFC 3339 time. The common form 2006-01-02T15:04:05Z
// is computed directly; others go through the time package.
func parseTime(v []byte) (time.Time, bool) {
	if len(v) == 20 && v[4] == '-' && v[7] == '-' && v[10] == 'T' && v[13] == ':' && v[16] == ':' && v[19] == 'Z' {
		y, ok1 := digitsN(v[0:4])
		mo, ok2 := digitsN(v[5:7])
		dd, ok3 := digitsN(v[8:10])
		hh, ok4 := digitsN(v[11:13])
		mi, ok5 := digitsN(v[14:16])
		ss, ok6 := digitsN(v[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= daysIn(y, mo) && hh < 24 && mi < 60 && ss < 60 {
			days := daysFromCivil(y, mo, dd)
			return time.Unix(days*86400+int64(hh*3600+mi*60+ss), 0).UTC(), true
		}
		return time.Time{}, false
	}
	if len(v) > 40 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func digitsN(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to the date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
