package usage

import (
	"slices"
	"sort"

	"github.com/vigil-hrdd/vigil"
)

// Scope says what a rule looks at.
type Scope string

const (
	// ScopeSeries: one subscription's use of one meter (in one unit), over
	// all its regions.
	ScopeSeries Scope = "series"
	// ScopeAccount: the set of meters one account uses.
	ScopeAccount Scope = "account"
	// ScopeAccountMeter: where (in which regions) one account uses one
	// meter.
	ScopeAccountMeter Scope = "account_meter"
)

// Scopes lists the scopes.
var Scopes = []Scope{ScopeSeries, ScopeAccount, ScopeAccountMeter}

// Subject is one thing a rule is evaluated on, with its facts: the
// variables its CEL expression sees.
type Subject struct {
	Scope        Scope
	Account      string
	Subscription string // series scope only
	Meter        string // series and account_meter scopes
	Facts        map[string]any
}

// SubscriptionInfo is what the facts need of a portfolio subscription.
type SubscriptionInfo struct {
	ID, Account, Service, Region string
	Status                       vigil.SubscriptionStatus
	// StatusSince is the day the subscription last changed (its
	// updated_at): for a suspended one, no earlier than the suspension.
	StatusSince Day
}

// InfoOf converts a portfolio subscription.
func InfoOf(s *vigil.Subscription) SubscriptionInfo {
	since := DayOf(s.UpdatedAt)
	if s.UpdatedAt.IsZero() {
		since = DayFromDate(s.StartedOn)
	}
	return SubscriptionInfo{ID: s.ID, Account: s.AccountID, Service: s.ServiceID, Region: s.Region, Status: s.Status, StatusSince: since}
}

func windowMap(w Window) map[string]any {
	return map[string]any{"days": int64(w.Days), "total": w.Total, "previous": w.Previous, "growth": w.Growth,
		"new": w.New, "max_day": w.MaxDay, "active_days": int64(w.ActiveDays)}
}

type point struct {
	day    Day
	region string
	q      float64
}

type seriesKey struct{ sub, meter, unit string }
type acctMeterKey struct{ account, meter, unit string }

// Subjects derives every rule subject from daily totals up to asOf (see
// Lookback). subs gives each subscription's portfolio facts; series of
// subscriptions it lacks are evaluated with an unknown account, and left
// out of the account scopes.
func Subjects(daily []Daily, subs map[string]SubscriptionInfo, asOf Day) []Subject {
	series := map[seriesKey][]point{}
	for _, d := range daily {
		if d.Day > asOf || d.Day <= asOf-2*90 {
			continue
		}
		k := seriesKey{d.Subscription, d.Meter, d.Unit}
		series[k] = append(series[k], point{d.Day, d.Region, d.Quantity})
	}
	keys := make([]seriesKey, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.sub != b.sub {
			return a.sub < b.sub
		}
		if a.meter != b.meter {
			return a.meter < b.meter
		}
		return a.unit < b.unit
	})
	var out []Subject
	type acctAgg struct {
		subs                  map[string]bool
		metersNow, metersPrev map[string]bool
	}
	accts := map[string]*acctAgg{}
	type amAgg struct {
		now, prev         map[string]float64
		subs              map[string]bool
		homes             map[string]bool
		weekTotal, d90Tot float64
	}
	ams := map[acctMeterKey]*amAgg{}
	for _, k := range keys {
		pts := series[k]
		info, known := subs[k.sub]
		days := make([]Day, 0, len(pts))
		qs := make([]float64, 0, len(pts))
		byRegion := map[string][]point{}
		for _, p := range pts {
			days = append(days, p.day)
			qs = append(qs, p.q)
			byRegion[p.region] = append(byRegion[p.region], p)
		}
		day, week, d90 := windows(asOf, days, qs)
		regions := map[string]any{}
		now, before := []string{}, []string{}
		for r, rp := range byRegion {
			ds := make([]Day, len(rp))
			rq := make([]float64, len(rp))
			for i, p := range rp {
				ds[i], rq[i] = p.day, p.q
			}
			_, w, q := windows(asOf, ds, rq)
			regions[r] = map[string]any{"week": windowMap(w), "d90": windowMap(q)}
			if w.Total > 0 {
				now = append(now, r)
			}
			if inBefore(asOf, rp) {
				before = append(before, r)
			}
		}
		slices.Sort(now)
		slices.Sort(before)
		newRegions, newQ := newIn(now, before, byRegion, asOf)
		var after float64
		if known && info.Status != vigil.SubscriptionActive {
			for _, p := range pts {
				if p.day > info.StatusSince {
					after += p.q
				}
			}
		}
		facts := map[string]any{
			"subscription": k.sub, "account": info.Account, "service": info.Service,
			"status": string(info.Status), "home_region": info.Region, "known": known,
			"status_since": "", "after_status": after,
			"meter": k.meter, "unit": k.unit,
			"day": windowMap(day), "week": windowMap(week), "d90": windowMap(d90),
			"regions": regions, "regions_now": now, "regions_before": before,
			"new_regions": newRegions, "new_region_week": newQ,
		}
		if known {
			facts["status_since"] = info.StatusSince.String()
		}
		out = append(out, Subject{Scope: ScopeSeries, Account: info.Account, Subscription: k.sub, Meter: k.meter, Facts: facts})
		if !known || info.Account == "" {
			continue
		}
		a := accts[info.Account]
		if a == nil {
			a = &acctAgg{subs: map[string]bool{}, metersNow: map[string]bool{}, metersPrev: map[string]bool{}}
			accts[info.Account] = a
		}
		a.subs[k.sub] = true
		if week.Total > 0 {
			a.metersNow[k.meter] = true
		}
		for _, p := range pts {
			if age := asOf - p.day; age >= 7 && age < 97 && p.q > 0 {
				a.metersPrev[k.meter] = true
				break
			}
		}
		amk := acctMeterKey{info.Account, k.meter, k.unit}
		am := ams[amk]
		if am == nil {
			am = &amAgg{now: map[string]float64{}, prev: map[string]float64{}, subs: map[string]bool{}, homes: map[string]bool{}}
			ams[amk] = am
		}
		am.subs[k.sub] = true
		am.homes[info.Region] = true
		am.weekTotal += week.Total
		am.d90Tot += d90.Total
		for _, p := range pts {
			switch age := asOf - p.day; {
			case age >= 0 && age < 7:
				am.now[p.region] += p.q
			case age >= 7 && age < 97:
				am.prev[p.region] += p.q
			}
		}
	}
	for _, acct := range sortedKeys(accts) {
		a := accts[acct]
		now, before := keysOf(a.metersNow), keysOf(a.metersPrev)
		out = append(out, Subject{Scope: ScopeAccount, Account: acct, Facts: map[string]any{
			"account": acct, "subscriptions": keysOf(a.subs),
			"meters_now": now, "meters_before": before, "new_meters": minus(now, before),
		}})
	}
	amKeys := make([]acctMeterKey, 0, len(ams))
	for k := range ams {
		amKeys = append(amKeys, k)
	}
	sort.Slice(amKeys, func(i, j int) bool {
		a, b := amKeys[i], amKeys[j]
		if a.account != b.account {
			return a.account < b.account
		}
		if a.meter != b.meter {
			return a.meter < b.meter
		}
		return a.unit < b.unit
	})
	for _, k := range amKeys {
		am := ams[k]
		now, before := positive(am.now), positive(am.prev)
		fresh := minus(now, before)
		var freshQ, beforeQ float64
		for _, r := range fresh {
			freshQ += am.now[r]
		}
		for _, q := range am.prev {
			beforeQ += q
		}
		out = append(out, Subject{Scope: ScopeAccountMeter, Account: k.account, Meter: k.meter, Facts: map[string]any{
			"account": k.account, "meter": k.meter, "unit": k.unit, "subscriptions": keysOf(am.subs),
			"home_regions": keysOf(am.homes), "regions_now": now, "regions_before": before,
			"new_regions": fresh, "new_region_week": freshQ, "week_total": am.weekTotal, "before_total": beforeQ,
		}})
	}
	return out
}

// inBefore reports use in the 90 days before the last 7.
func inBefore(asOf Day, pts []point) bool {
	for _, p := range pts {
		if age := asOf - p.day; age >= 7 && age < 97 && p.q > 0 {
			return true
		}
	}
	return false
}

func newIn(now, before []string, byRegion map[string][]point, asOf Day) ([]string, float64) {
	fresh := minus(now, before)
	var q float64
	for _, r := range fresh {
		for _, p := range byRegion[r] {
			if age := asOf - p.day; age >= 0 && age < 7 {
				q += p.q
			}
		}
	}
	return fresh, q
}

func minus(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func positive(m map[string]float64) []string {
	out := []string{}
	for k, v := range m {
		if v > 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func keysOf(m map[string]bool) []string {
	out := []string{}
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
