package grievance

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Figures are the effectiveness indicators of the channel over a period
// (UNGP 31: predictable, transparent, a source of continuous learning),
// as the transparency report publishes them. Durations are in hours.
type Figures struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// AsOf is when the figures were computed: grievances received in the
	// period may still be open then.
	AsOf time.Time `json:"as_of"`

	Received  int             `json:"received"`
	Anonymous int             `json:"anonymous"`
	ByChannel map[Channel]int `json:"by_channel"`
	ByStatus  map[Status]int  `json:"by_status"`

	Acknowledged       int `json:"acknowledged"`
	AcknowledgedInTime int `json:"acknowledged_in_time"`
	// AckOverdue are still unacknowledged past the deadline at AsOf.
	AckOverdue int       `json:"ack_overdue"`
	HoursToAck Quantiles `json:"hours_to_acknowledge"`

	Answered       int       `json:"answered"`
	AnsweredInTime int       `json:"answered_in_time"`
	AnswerOverdue  int       `json:"answer_overdue"`
	HoursToAnswer  Quantiles `json:"hours_to_answer"`

	Closed      int             `json:"closed"`
	Outcomes    map[Outcome]int `json:"outcomes"`
	LedToAction int             `json:"led_to_action"`
	// ShareLedToAction is LedToAction over Closed (0 when none closed).
	ShareLedToAction float64 `json:"share_led_to_action"`
}

// Quantiles of a duration in hours over N values; zero when N is 0.
type Quantiles struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
}

// Effectiveness computes the figures of the grievances received in
// [from, to) as they stand at now. The transparency report calls it:
//
//	grievance.Effectiveness(ctx, store, from, to, now) (*grievance.Figures, error)
func Effectiveness(ctx context.Context, st Store, from, to, now time.Time) (*Figures, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("effectiveness: the period [%s, %s) is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	f := &Figures{From: from.UTC(), To: to.UTC(), AsOf: now.UTC(), ByChannel: map[Channel]int{}, ByStatus: map[Status]int{}, Outcomes: map[Outcome]int{}}
	var toAck, toAnswer []float64
	after := ""
	for {
		pg, err := st.ListGrievances(ctx, Query{ReceivedFrom: from, ReceivedTo: to, After: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("effectiveness: %w", err)
		}
		for _, g := range pg.Items {
			f.Received++
			if g.Anonymous {
				f.Anonymous++
			}
			f.ByChannel[g.Channel]++
			f.ByStatus[g.Status]++
			fl := g.Overdue(now)
			if fl.AckOverdue {
				f.AckOverdue++
			}
			if fl.AnswerOverdue {
				f.AnswerOverdue++
			}
			if g.AcknowledgedAt != nil {
				f.Acknowledged++
				if !g.AckLate {
					f.AcknowledgedInTime++
				}
				toAck = append(toAck, g.AcknowledgedAt.Sub(g.ReceivedAt).Hours())
			}
			if g.AnsweredAt != nil {
				f.Answered++
				if !g.AnswerLate {
					f.AnsweredInTime++
				}
				toAnswer = append(toAnswer, g.AnsweredAt.Sub(g.ReceivedAt).Hours())
			}
			if g.ClosedAt != nil {
				f.Closed++
				f.Outcomes[g.Outcome]++
				if g.LedToAction {
					f.LedToAction++
				}
			}
		}
		if pg.Next == "" {
			break
		}
		after = pg.Next
	}
	f.HoursToAck = quantiles(toAck)
	f.HoursToAnswer = quantiles(toAnswer)
	if f.Closed > 0 {
		f.ShareLedToAction = float64(f.LedToAction) / float64(f.Closed)
	}
	return f, nil
}

// quantiles uses the nearest-rank method: the p-quantile is the smallest
// value with at least p of the values at or below it, so every figure is
// a duration that really occurred.
func quantiles(vs []float64) Quantiles {
	if len(vs) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return math.Round(s[max(i, 0)]*100) / 100
	}
	return Quantiles{N: len(s), Median: rank(0.5), P90: rank(0.9)}
}
