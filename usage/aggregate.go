package usage

import (
	"cmp"
	"slices"
	"time"
	"unsafe"

	"github.com/vigil-hrdd/vigil"
)

// Day is a calendar day in UTC, counted from 1970-01-01: small and cheap
// to hash, which matters when millions of records are summed.
type Day int32

// DayOf returns the UTC day of t.
func DayOf(t time.Time) Day {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return Day(d)
}

// DayFromDate converts a vigil.Date.
func DayFromDate(d vigil.Date) Day { return DayOf(d.Time) }

// Time is the start of the day.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Date is the day as a vigil.Date.
func (d Day) Date() vigil.Date { return vigil.Date{Time: d.Time()} }

func (d Day) String() string { return d.Time().Format(vigil.DateLayout) }

// MarshalJSON writes the day as "2006-01-02".
func (d Day) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "2006-01-02".
func (d *Day) UnmarshalJSON(b []byte) error {
	var v vigil.Date
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*d = DayFromDate(v)
	return nil
}

// Series names one daily series: a subscription's use of one meter, in one
// region, in one unit.
type Series struct {
	Subscription string `json:"subscription_id"`
	Meter        string `json:"meter"`
	Region       string `json:"region"`
	Unit         string `json:"unit"`
}

// Daily is one day's total of one series.
type Daily struct {
	Series
	Day      Day     `json:"day"`
	Quantity float64 `json:"quantity"`
	// Records counts the records that started on this day.
	Records int64 `json:"records"`
}

type dayKey struct {
	Series
	day Day
}

// fastKey identifies a series by the addresses and lengths of its strings,
// which hashes and compares several times faster than their bytes. The
// Decoder interns the strings, so one series has one fastKey per Decoder;
// the rare series under two keys (records from two decoders, or built in
// Go) are merged by value in Daily.
type fastKey struct {
	sub, meter, region, unit unsafe.Pointer
	ls, lm, lr, lu           int32
	day                      Day
}

type cell struct {
	series Series
	q      float64
	n      int64
}

// Totals sums records into daily totals. A record whose period spans
// several days is shared out among them in proportion to the time it
// covers in each, so that a monthly storage record does not land as a
// spike on its first day.
type Totals struct {
	cells map[fastKey]*cell
}

// NewTotals returns empty totals.
func NewTotals() *Totals { return &Totals{cells: make(map[fastKey]*cell, 1024)} }

// Len is the number of daily cells (an upper bound of len(Daily())).
func (t *Totals) Len() int { return len(t.cells) }

func (t *Totals) cell(r *Record, d Day) *cell {
	k := fastKey{
		sub: unsafe.Pointer(unsafe.StringData(r.Subscription)), meter: unsafe.Pointer(unsafe.StringData(r.Meter)),
		region: unsafe.Pointer(unsafe.StringData(r.Region)), unit: unsafe.Pointer(unsafe.StringData(r.Unit)),
		ls: int32(len(r.Subscription)), lm: int32(len(r.Meter)), lr: int32(len(r.Region)), lu: int32(len(r.Unit)),
		day: d,
	}
	c := t.cells[k]
	if c == nil {
		c = &cell{series: Series{Subscription: r.Subscription, Meter: r.Meter, Region: r.Region, Unit: r.Unit}}
		t.cells[k] = c
	}
	return c
}

// Add adds one (valid) record.
func (t *Totals) Add(r *Record) {
	first, last := DayOf(r.Start), DayOf(r.End.Add(-time.Nanosecond))
	if first == last {
		c := t.cell(r, first)
		c.q += r.Quantity
		c.n++
		return
	}
	total := r.End.Sub(r.Start).Seconds()
	for d := first; d <= last; d++ {
		from, to := d.Time(), (d + 1).Time()
		if from.Before(r.Start) {
			from = r.Start
		}
		if to.After(r.End) {
			to = r.End
		}
		c := t.cell(r, d)
		c.q += r.Quantity * to.Sub(from).Seconds() / total
		if d == first {
			c.n++
		}
	}
}

// Daily returns the totals sorted by series and day.
func (t *Totals) Daily() []Daily {
	byValue := make(map[dayKey]int, len(t.cells))
	out := make([]Daily, 0, len(t.cells))
	for k, c := range t.cells {
		vk := dayKey{Series: c.series, day: k.day}
		if i, ok := byValue[vk]; ok {
			out[i].Quantity += c.q
			out[i].Records += c.n
			continue
		}
		byValue[vk] = len(out)
		out = append(out, Daily{Series: c.series, Day: k.day, Quantity: c.q, Records: c.n})
	}
	SortDaily(out)
	return out
}

// SortDaily sorts by subscription, meter, region, unit and day.
func SortDaily(ds []Daily) {
	slices.SortFunc(ds, func(a, b Daily) int {
		return cmp.Or(cmp.Compare(a.Subscription, b.Subscription), cmp.Compare(a.Meter, b.Meter),
			cmp.Compare(a.Region, b.Region), cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Day, b.Day))
	})
}

// Window is a total over the last Days days up to the as-of day, with the
// total of the Days days before for comparison.
type Window struct {
	Days     int     `json:"days"`
	Total    float64 `json:"total"`
	Previous float64 `json:"previous"`
	// Growth is (Total-Previous)/Previous, and 0 when Previous is 0 (New
	// tells that case apart).
	Growth float64 `json:"growth"`
	// New is true when there was use in this window and none before.
	New bool `json:"new"`
	// MaxDay is the largest daily total in the window.
	MaxDay     float64 `json:"max_day"`
	ActiveDays int     `json:"active_days"`
}

func (w *Window) add(asOf, d Day, q float64) {
	age := int(asOf - d)
	switch {
	case age >= 0 && age < w.Days:
		w.Total += q
		w.MaxDay = max(w.MaxDay, q)
		if q > 0 {
			w.ActiveDays++
		}
	case age >= w.Days && age < 2*w.Days:
		w.Previous += q
	}
}

func (w *Window) finish() {
	if w.Previous > 0 {
		w.Growth = (w.Total - w.Previous) / w.Previous
	}
	w.New = w.Previous == 0 && w.Total > 0
}

// Lookback is how many days of daily totals Facts needs before the as-of
// day: two 90-day windows.
const Lookback = 180

// windowFrom builds the day, week and 90-day windows of daily totals.
func windows(asOf Day, days []Day, qs []float64) (day, week, d90 Window) {
	day, week, d90 = Window{Days: 1}, Window{Days: 7}, Window{Days: 90}
	for i, d := range days {
		day.add(asOf, d, qs[i])
		week.add(asOf, d, qs[i])
		d90.add(asOf, d, qs[i])
	}
	day.finish()
	week.finish()
	d90.finish()
	return
}
