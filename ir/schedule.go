package ir

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	// Timezones must validate the same on a machine without a system
	// zoneinfo database (minimal containers, CI images).
	_ "time/tzdata"
)

// SchedulePresets are the @ forms a schedule may take; every backend maps
// each of them.
var SchedulePresets = []string{"@hourly", "@daily", "@weekly", "@monthly", "@yearly"}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i; nil when the field has none
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	// 7 is Sunday too, as in Vixie cron, croniter and robfig/cron.
	{name: "day-of-week", min: 0, max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// CheckSchedule reports whether s is a schedule every backend understands:
// "" (manual runs only), one of SchedulePresets, or a 5-field cron
// expression (minute hour day-of-month month day-of-week) whose fields are
// lists of `*`, `N`, `N-M`, each optionally followed by `/STEP`, with month
// and day names (JAN-DEC, SUN-SAT) allowed.
func CheckSchedule(s string) error {
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "@") {
		for _, p := range SchedulePresets {
			if s == p {
				return nil
			}
		}
		return fmt.Errorf("%q is not a schedule preset; use one of %s or a 5-field cron expression.%s",
			s, strings.Join(SchedulePresets, ", "), DidYouMean(s, SchedulePresets))
	}
	fields := strings.Fields(s)
	if len(fields) != 5 {
		hint := ""
		if len(fields) == 6 {
			hint = " Seconds and years are not supported."
		}
		return fmt.Errorf("a cron expression has 5 fields (minute hour day-of-month month day-of-week), %q has %d.%s", s, len(fields), hint)
	}
	for i, f := range fields {
		if err := checkCronField(f, cronFields[i]); err != nil {
			return fmt.Errorf("%s field %q: %w", cronFields[i].name, f, err)
		}
	}
	return nil
}

func checkCronField(s string, f cronField) error {
	for _, item := range strings.Split(s, ",") {
		if err := checkCronItem(item, f); err != nil {
			return err
		}
	}
	return nil
}

func checkCronItem(item string, f cronField) error {
	if item == "" {
		return errors.New("empty list element")
	}
	// "N/STEP" means N through the field's maximum, as in Vixie cron.
	base, step, hasStep := strings.Cut(item, "/")
	switch {
	case base == "*":
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		lo, err := cronValue(a, f)
		if err != nil {
			return err
		}
		hi, err := cronValue(b, f)
		if err != nil {
			return err
		}
		if lo > hi {
			return fmt.Errorf("range %s goes backwards", base)
		}
	default:
		if _, err := cronValue(base, f); err != nil {
			return err
		}
	}
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || !allDigits(step) {
			return fmt.Errorf("step %q is not a number", step)
		}
		if n < 1 || n > f.max-f.min+1 {
			return fmt.Errorf("step %d is outside 1-%d", n, f.max-f.min+1)
		}
	}
	return nil
}

func cronValue(s string, f cronField) (int, error) {
	if allDigits(s) && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < f.min || n > f.max {
			return 0, fmt.Errorf("%s is outside %d-%d", s, f.min, f.max)
		}
		return n, nil
	}
	for i, name := range f.names {
		if strings.EqualFold(s, name) {
			return f.min + i, nil
		}
	}
	switch s {
	case "?", "L", "W":
		return 0, fmt.Errorf("%q is not portable cron syntax; use * or explicit values", s)
	}
	if f.names != nil {
		return 0, fmt.Errorf("%q is neither a number in %d-%d nor a name (%s)", s, f.min, f.max, strings.ToUpper(strings.Join(f.names, ",")))
	}
	return 0, fmt.Errorf("%q is not a number in %d-%d", s, f.min, f.max)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckTimezone reports whether s is an IANA timezone name such as
// "Europe/Berlin" or "UTC". "Local" is refused: it would make the
// pipeline's meaning depend on the machine that compiles it.
func CheckTimezone(s string) error {
	if s == "" {
		return errors.New("the timezone is empty; omit it for UTC or give an IANA name such as \"Europe/Berlin\"")
	}
	if s == "Local" {
		return errors.New("\"Local\" depends on the machine; give an IANA name such as \"Europe/Berlin\"")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("%q is not an IANA timezone name (such as \"UTC\" or \"Europe/Berlin\")", s)
	}
	return nil
}

// CheckStartDate reports whether s is a calendar date written YYYY-MM-DD.
func CheckStartDate(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != len(time.DateOnly) {
		return fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return nil
}
