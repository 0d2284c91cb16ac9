// Package catalogue ships the default service catalogue: the services a
// typical cloud and AI provider sells, with the capability tags that risk
// rules look at. It is data: a provider exports it, edits it and imports
// its own (vigil import services FILE).
package catalogue

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed services.csv
var servicesCSV []byte

// FileName is the name the default catalogue is imported under.
const FileName = "default-services.csv"

// Open returns the default catalogue as a CSV file in the format of
// vigil import services.
func Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(servicesCSV)), nil
}
