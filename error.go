package vigil

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status code; the CLI maps each
// to one exit code (see docs/cli.md).
const (
	EINVALID      = "invalid"      // bad input: a field, a file line, a filter
	ENOTFOUND     = "not_found"    // no such record
	ECONFLICT     = "conflict"     // the record exists already, or changed meanwhile
	EUNAUTHORIZED = "unauthorized" // no valid credential
	EFORBIDDEN    = "forbidden"    // a valid credential without the role for this
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
)

// Error is Vigil's domain error: a code for machines, a message for people,
// and, for bad input, the field at fault.
type Error struct {
	Code    string
	Message string
	Field   string // the offending field, when one is known
	// Row is the 0-based position of the offending record inside a batch
	// handed to a store, so that importers can turn it into a file line. -1
	// when not known.
	Row int
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("field %q: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Row: -1}
}

// FieldError returns an EINVALID error for one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...), Row: -1}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for other errors, so internal details never reach API users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}
