// Command vigil is Vigil's command line: it wires the packages together
// (stores, importers, the API server, the proof log, screening) and holds no
// domain logic of its own. See docs/cli.md for every command and exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/transfer"
)

// Exit codes, documented in docs/cli.md.
const (
	exitOK           = 0
	exitError        = 1 // anything not covered below
	exitUsage        = 2 // bad flags or arguments
	exitInvalid      = 3 // bad input data (a file line, a field)
	exitNotFound     = 4
	exitConflict     = 5
	exitUnauthorized = 6 // no credential, or not allowed
	exitInternal     = 10
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vigil:", err)
	}
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var ie *transfer.ImportError
	var le *transfer.LineError
	if errors.As(err, &ie) || errors.As(err, &le) {
		return exitInvalid
	}
	var ve *vigil.Error
	if !errors.As(err, &ve) {
		return exitError
	}
	switch ve.Code {
	case vigil.EINVALID:
		return exitInvalid
	case vigil.ENOTFOUND:
		return exitNotFound
	case vigil.ECONFLICT:
		return exitConflict
	case vigil.EUNAUTHORIZED, vigil.EFORBIDDEN:
		return exitUnauthorized
	case vigil.EINTERNAL:
		return exitInternal
	}
	return exitError
}

// usageError marks a mistake in how a command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }
