package postgres

import (
	"strconv"
	"strings"
)

// Rebind turns the ? placeholders of the shared SQL into PostgreSQL's $1, $2,
// ... A ? inside a string literal ('...', E'...'), a quoted identifier
// ("..."), a dollar-quoted string ($tag$...$tag$) or a comment is text, not a
// placeholder, and is left alone, so a query that searches for a literal
// question mark still means what it says.
func Rebind(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
		case c == '\'':
			// E'...' strings take backslash escapes; standard strings
			// (standard_conforming_strings is on by default since 9.1) do
			// not, so '\' is a one-character string.
			escapes := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !identChar(q[i-2]))
			j := skipQuoted(q, i, '\'', escapes)
			b.WriteString(q[i:j])
			i = j
		case c == '"':
			j := skipQuoted(q, i, '"', false)
			b.WriteString(q[i:j])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := skipBlockComment(q, i)
			b.WriteString(q[i:j])
			i = j
		case c == '$' && (i == 0 || !identChar(q[i-1])):
			j := skipDollarQuoted(q, i)
			b.WriteString(q[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func identChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// skipQuoted returns the index just past the literal that opens at q[i]. A
// doubled quote is an escaped quote; with escapes, so is a backslash one.
// An unterminated literal runs to the end, as the server would read it.
func skipQuoted(q string, i int, quote byte, escapes bool) int {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			if escapes {
				j++
			}
		case quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// skipBlockComment returns the index just past the comment opening at q[i];
// PostgreSQL's block comments nest.
func skipBlockComment(q string, i int) int {
	depth := 0
	for j := i; j+1 < len(q); j++ {
		switch {
		case q[j] == '/' && q[j+1] == '*':
			depth++
			j++
		case q[j] == '*' && q[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(q)
}

// skipDollarQuoted returns the index just past a $tag$...$tag$ string opening
// at q[i], or i+1 when the $ opens no such string (a $1 parameter, say).
func skipDollarQuoted(q string, i int) int {
	j := i + 1
	for j < len(q) && q[j] != '$' {
		c := q[j]
		// A tag is an identifier without $; a digit may not start it, so
		// $1 is a parameter.
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > i+1 && c >= '0' && c <= '9')) {
			return i + 1
		}
		j++
	}
	if j >= len(q) {
		return i + 1
	}
	tag := q[i : j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return len(q)
	}
	return j + 1 + end + len(tag)
}
