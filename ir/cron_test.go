package ir

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestHardening12CronNormalForm: day-of-week 7 passed validate but Argo's
// lint rejected it, and Step Functions read 0-7 as Sundays only (issue 13,
// item 12). Every backend now renders the one parsed form.
func TestHardening12CronNormalForm(t *testing.T) {
	cases := map[string]string{
		"0 0 * * 0-7":     "0 0 * * 0-6",
		"0 0 * * 7,0":     "0 0 * * 0",
		"0 0 * * 1/2":     "0 0 * * 1-5/2",
		"0 0 * * 5-7":     "0 0 * * 0,5,6",
		"*/15 * * * *":    "*/15 * * * *",
		"0 3 * * *":       "0 3 * * *",
		"30 2 * * 1-5":    "30 2 * * 1-5",
		"0 0 */2 * 1":     "0 0 1-31/2 * 1",
		"0 0 1 jan,Jul *": "0 0 1 1,7 *",
		"0 9 * * MON-FRI": "0 9 * * 1-5",
		"5/20 * * * *":    "5-45/20 * * * *",
		"0 0-23/2 * * *":  "0 */2 * * *",
		"  0   3 * *  *":  "0 3 * * *",
	}
	for in, want := range cases {
		got, err := NormalSchedule(in)
		if err != nil || got != want {
			t.Errorf("NormalSchedule(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestCronAgreesWithRobfig checks the parsed form against robfig/cron, the
// parser Argo's controller runs: the canonical text must parse there to the
// same sets and the same day rule, and fire at the same times.
func TestCronAgreesWithRobfig(t *testing.T) {
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	const starBit = 1 << 63
	for _, s := range []string{
		"0 3 * * *", "*/15 * * * *", "0 0-23/2 * * *", "5,10,15 1 1 1 0", "0 9 * * MON-FRI",
		"0 0 1 jan,Jul *", "30 4 1-15/3 */2 sun", "0/5 * * * *", "59 23 31 12 6",
		"0 0 */2 * 1", "0 0 13 * 5", "0 0 * * 1/2", "0 12 1-7 * *",
	} {
		c, err := ParseSchedule(s)
		if err != nil {
			t.Fatal(s, err)
		}
		canon := c.String()
		for _, text := range []string{s, canon} {
			spec, err := parser.Parse(text)
			if err != nil {
				t.Fatalf("robfig/cron refuses %q: %v", text, err)
			}
			ss := spec.(*cron.SpecSchedule)
			got := [5]uint64{ss.Minute &^ starBit, ss.Hour &^ starBit, ss.Dom &^ starBit, ss.Month &^ starBit, ss.Dow &^ starBit}
			want := [5]uint64{c.Minute, c.Hour, c.DayOfMonth, c.Month, c.DayOfWeek}
			if got != want {
				t.Errorf("%q: robfig/cron reads %q as %x, dagc as %x", s, text, got, want)
			}
			if (ss.Dom&starBit != 0) != c.DayOfMonthStar || (ss.Dow&starBit != 0) != c.DayOfWeekStar {
				t.Errorf("%q: the day rule differs for %q", s, text)
			}
		}
		if strings.Contains(canon, "*/") && (strings.Fields(canon)[2][0] == '*' && !c.DayOfMonthStar) {
			t.Errorf("%q: canonical %q writes a restricted day field with *", s, canon)
		}
		a, _ := parser.Parse(s)
		b, _ := parser.Parse(canon)
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 50; i++ {
			na, nb := a.Next(at), b.Next(at)
			if !na.Equal(nb) {
				t.Fatalf("%q fires at %s, its canonical %q at %s", s, na, canon, nb)
			}
			at = na
		}
	}
}

func TestHardening12NeverFires(t *testing.T) {
	for s, want := range map[string]bool{
		"0 0 31 2 *": true, "0 0 30 2 *": true, "0 0 31 4,6,9,11 *": true,
		"0 0 29 2 *": false, "0 0 31 2 1": false, "0 0 31 * *": false, "0 0 * 2 *": false, "0 0 31 1-2 *": false,
	} {
		c, err := ParseSchedule(s)
		if err != nil {
			t.Fatal(err)
		}
		if c.NeverFires() != want {
			t.Errorf("%q NeverFires = %v, want %v", s, !want, want)
		}
	}
}
