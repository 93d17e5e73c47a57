package ir

import (
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
// and day names (JAN-DEC, SUN-SAT) allowed, and 7 for Sunday.
func CheckSchedule(s string) error {
	_, err := ParseSchedule(s)
	return err
}

// Cron is a parsed 5-field cron expression: the set of values of each field
// (bit v set for value v; Sunday is 0 whether written 0, 7 or SUN) and
// whether each day field was written as `*`. This is the one normalized
// form every backend renders from, so no backend re-reads cron text.
//
// The day rule is Vixie cron's and robfig/cron's (Argo's): when both day
// fields are restricted, a day matching either fires; when one is `*`, both
// must match.
type Cron struct {
	Minute, Hour, DayOfMonth, Month, DayOfWeek uint64
	DayOfMonthStar, DayOfWeekStar              bool
}

// ParseSchedule parses a schedule. It returns nil for "" (manual runs) and
// for a preset the Cron the preset stands for.
func ParseSchedule(s string) (*Cron, error) {
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "@") {
		if cron, ok := presetCron[s]; ok {
			return ParseSchedule(cron)
		}
		return nil, fmt.Errorf("%q is not a schedule preset; use one of %s or a 5-field cron expression.%s",
			s, strings.Join(SchedulePresets, ", "), DidYouMean(s, SchedulePresets))
	}
	fields := strings.Fields(s)
	if len(fields) != 5 {
		hint := ""
		if len(fields) == 6 {
			hint = " Seconds and years are not supported."
		}
		return nil, fmt.Errorf("a cron expression has 5 fields (minute hour day-of-month month day-of-week), %q has %d.%s", s, len(fields), hint)
	}
	var bits [5]uint64
	var star [5]bool
	for i, f := range fields {
		b, st, err := parseCronField(f, cronFields[i])
		if err != nil {
			return nil, fmt.Errorf("%s field %q: %w", cronFields[i].name, f, err)
		}
		bits[i], star[i] = b, st
	}
	if bits[4]&(1<<7) != 0 { // 7 is Sunday, as 0
		bits[4] = bits[4]&^(1<<7) | 1
	}
	return &Cron{Minute: bits[0], Hour: bits[1], DayOfMonth: bits[2], Month: bits[3], DayOfWeek: bits[4],
		DayOfMonthStar: star[2], DayOfWeekStar: star[4]}, nil
}

var presetCron = map[string]string{
	"@hourly":  "0 * * * *",
	"@daily":   "0 0 * * *",
	"@weekly":  "0 0 * * 0",
	"@monthly": "0 0 1 * *",
	"@yearly":  "0 0 1 1 *",
}

// NormalSchedule is the form of a schedule that backends render: "" and
// presets as they are, a cron expression as Cron.String.
func NormalSchedule(s string) (string, error) {
	c, err := ParseSchedule(s)
	if err != nil || c == nil || strings.HasPrefix(s, "@") {
		return s, err
	}
	return c.String(), nil
}

// String writes the expression in a canonical form that every engine reads
// alike: `*` only for a day field written as `*` (engines disagree on
// whether "*/2" in a day field counts as `*`), steps as "A-B/S", runs as
// ranges, Sunday as 0.
func (c *Cron) String() string {
	return strings.Join([]string{
		cronFieldText(c.Minute, cronFields[0], true),
		cronFieldText(c.Hour, cronFields[1], true),
		dayFieldText(c.DayOfMonth, cronFields[2], c.DayOfMonthStar),
		cronFieldText(c.Month, cronFields[3], true),
		dayFieldText(c.DayOfWeek, cronFields[4], c.DayOfWeekStar),
	}, " ")
}

func dayFieldText(bits uint64, f cronField, star bool) string {
	if star {
		return "*"
	}
	return cronFieldText(bits, f, false)
}

// cronFieldText writes a set of values: "*" for every value when allowed,
// an arithmetic progression as "*/S" or "A-B/S", else a list of values and
// ranges.
func cronFieldText(bits uint64, f cronField, starOK bool) string {
	max := f.max
	if f.name == "day-of-week" {
		max = 6
	}
	var vals []int
	for v := f.min; v <= max; v++ {
		if bits&(1<<uint(v)) != 0 {
			vals = append(vals, v)
		}
	}
	if starOK && len(vals) == max-f.min+1 {
		return "*"
	}
	if n := len(vals); n >= 3 {
		step := vals[1] - vals[0]
		prog := step > 1
		for i := 2; i < n && prog; i++ {
			prog = vals[i]-vals[i-1] == step
		}
		if prog && vals[n-1]+step > max {
			if starOK && vals[0] == f.min {
				return fmt.Sprintf("*/%d", step)
			}
			return fmt.Sprintf("%d-%d/%d", vals[0], vals[n-1], step)
		}
	}
	var items []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			items = append(items, fmt.Sprintf("%d-%d", vals[i], vals[j]))
		case j == i+1:
			items = append(items, strconv.Itoa(vals[i]), strconv.Itoa(vals[j]))
		default:
			items = append(items, strconv.Itoa(vals[i]))
		}
		i = j + 1
	}
	return strings.Join(items, ",")
}

// NeverFires reports whether no date matches: a day of the month that no
// listed month has (31 February), with the day of the week left as `*`.
func (c *Cron) NeverFires() bool {
	if !c.DayOfWeekStar || c.DayOfMonthStar {
		return false // a restricted day of the week matches every week
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if c.Month&(1<<uint(m)) != 0 && c.DayOfMonth&(1<<uint(days[m]+1)-1) != 0 {
			return false
		}
	}
	return true
}

// Values returns the values of a field's bit set in ascending order.
func Values(bits uint64) []int {
	var vals []int
	for v := 0; v < 64; v++ {
		if bits&(1<<uint(v)) != 0 {
			vals = append(vals, v)
		}
	}
	return vals
}

// parseCronField returns the values of a field and whether it counts as
// `*`: an item `*` or `*/1`, as robfig/cron counts it.
func parseCronField(s string, f cronField) (uint64, bool, error) {
	var bits uint64
	star := false
	for _, item := range strings.Split(s, ",") {
		b, st, err := parseCronItem(item, f)
		if err != nil {
			return 0, false, err
		}
		bits |= b
		star = star || st
	}
	return bits, star, nil
}

func parseCronItem(item string, f cronField) (uint64, bool, error) {
	if item == "" {
		return 0, false, errors.New("empty list element")
	}
	// "N/STEP" means N through the field's maximum, as in Vixie cron.
	base, stepText, hasStep := strings.Cut(item, "/")
	lo, hi := f.min, f.max
	star := false
	switch {
	case base == "*":
		star = true
		if f.name == "day-of-week" {
			hi = 6
		}
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		var err error
		if lo, err = cronValue(a, f); err != nil {
			return 0, false, err
		}
		if hi, err = cronValue(b, f); err != nil {
			return 0, false, err
		}
		if lo > hi {
			return 0, false, fmt.Errorf("range %s goes backwards", base)
		}
	default:
		v, err := cronValue(base, f)
		if err != nil {
			return 0, false, err
		}
		lo = v
		if !hasStep {
			hi = v
		} else if f.name == "day-of-week" {
			hi = 6 // "1/2" is 1,3,5 in robfig/cron and croniter alike
		}
	}
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || !allDigits(stepText) {
			return 0, false, fmt.Errorf("step %q is not a number", stepText)
		}
		if n < 1 || n > f.max-f.min+1 {
			return 0, false, fmt.Errorf("step %d is outside 1-%d", n, f.max-f.min+1)
		}
		step = n
	}
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << uint(v)
	}
	return bits, star && step == 1, nil
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
	if !ianaZones()[s] || s == "Factory" {
		return fmt.Errorf("%q is not an IANA timezone name (such as \"UTC\" or \"Europe/Berlin\").%s", s, DidYouMean(s, zoneList))
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("timezone %q: %v", s, err)
	}
	return nil
}

// tzNames lists the zones of the tzdata that time/tzdata embeds (written
// by tznames_gen.go). A name must be in it: time.LoadLocation alone also
// reads the machine's zoneinfo directory, where "./UTC", "right/UTC" and
// "posixrules" are files too, so validation would depend on the machine.
// "Factory" is in the data but names no real zone.
//
//go:embed tznames.txt
var tzNames string

//go:generate go run tznames_gen.go

var zoneList = strings.Fields(tzNames)

var ianaZones = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, len(zoneList))
	for _, z := range zoneList {
		m[z] = true
	}
	return m
})

// CheckStartDate reports whether s is a calendar date written YYYY-MM-DD.
func CheckStartDate(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != len(time.DateOnly) {
		return fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return nil
}
