package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/transfer"
)

// printRecords writes records as a table, JSON or CSV (the import format).
func printRecords(w io.Writer, format string, kind vigil.Kind, recs []vigil.Record, next string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"items": recs, "next": next})
	}
	cols := transfer.Columns(kind)
	rows := make([][]string, 0, len(recs))
	for _, r := range recs {
		rows = append(rows, transfer.Row(kind, r))
	}
	if format == "csv" {
		return writeCSV(w, cols, rows)
	}
	if err := printTable(w, cols, rows); err != nil {
		return err
	}
	if next != "" {
		fmt.Fprintf(w, "\nmore: --after %s\n", next)
	}
	return nil
}

// printTable writes an aligned table, cutting long cells so that a row fits
// a terminal line.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if rs := []rune(c); len(rs) > 40 {
				c = string(rs[:39]) + "…"
			}
			cells[i] = c
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// printValue writes any value as JSON, or as key/value lines for table.
func printValue(w io.Writer, format string, v any) error {
	if format == "table" || format == "csv" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.Write(header)
	cw.WriteAll(rows)
	return cw.Error()
}
