package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Period is a half-open interval of time [From, To) in UTC with the label
// the user gave it.
type Period struct {
	Label string    `json:"label"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// ParsePeriod reads a year ("2026"), a quarter ("2026-Q3") or an inclusive
// range of dates ("2026-01-01..2026-06-30").
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (Period, error) {
		return Period{}, vigil.FieldError("period", "%q: %s (want a year like 2026, a quarter like 2026-Q3 or dates like 2026-01-01..2026-06-30)", s, why)
	}
	if from, to, ok := strings.Cut(s, ".."); ok {
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return bad("the first date is not YYYY-MM-DD")
		}
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return bad("the second date is not YYYY-MM-DD")
		}
		if t.Before(f) {
			return bad("the range ends before it starts")
		}
		return Period{Label: s, From: f, To: t.AddDate(0, 0, 1)}, nil
	}
	if y, q, ok := strings.Cut(s, "-Q"); ok {
		year, err := strconv.Atoi(y)
		if err != nil || year < 1970 || year > 9999 {
			return bad("the year is not a number")
		}
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 4 {
			return bad("the quarter is not 1 to 4")
		}
		f := time.Date(year, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return Period{Label: s, From: f, To: f.AddDate(0, 3, 0)}, nil
	}
	year, err := strconv.Atoi(s)
	if err != nil || year < 1970 || year > 9999 {
		return bad("not a year, quarter or date range")
	}
	f := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return Period{Label: s, From: f, To: f.AddDate(1, 0, 0)}, nil
}

// Previous is the period of the same length just before: the year, the
// quarter, or the same number of days before a range.
func (p Period) Previous() Period {
	switch {
	case p.From.AddDate(1, 0, 0).Equal(p.To) && p.From.YearDay() == 1:
		f := p.From.AddDate(-1, 0, 0)
		return Period{Label: strconv.Itoa(f.Year()), From: f, To: p.From}
	case p.From.AddDate(0, 3, 0).Equal(p.To) && p.From.Day() == 1 && (p.From.Month()-1)%3 == 0:
		f := p.From.AddDate(0, -3, 0)
		return Period{Label: fmt.Sprintf("%d-Q%d", f.Year(), (int(f.Month())-1)/3+1), From: f, To: p.From}
	}
	days := int(p.To.Sub(p.From).Hours() / 24)
	f := p.From.AddDate(0, 0, -days)
	return Period{Label: f.Format(time.DateOnly) + ".." + p.From.AddDate(0, 0, -1).Format(time.DateOnly), From: f, To: p.From}
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// Months lists the first instant of every calendar month the period
// touches, for the time series.
func (p Period) Months() []time.Time {
	var out []time.Time
	m := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m.Before(p.To) {
		out = append(out, m)
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// Last is the last day of the period, for display.
func (p Period) Last() time.Time { return p.To.Add(-time.Nanosecond) }
