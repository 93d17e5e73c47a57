package stepfunctions

import (
	"fmt"
	"strconv"
	"strings"
)

var cronMacros = map[string]string{
	"@hourly":   "0 * * * *",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@weekly":   "0 0 * * 0",
	"@monthly":  "0 0 1 * *",
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
}

var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}

// eventBridgeCron converts a 5-field cron expression (or a macro) to
// EventBridge's 6-field cron(min hour day-of-month month day-of-week year).
// EventBridge needs "?" in one of the two day fields and numbers weekdays
// from 1 (Sunday), so weekdays are written as names.
func eventBridgeCron(expr string) (string, error) {
	if m, ok := cronMacros[expr]; ok {
		expr = m
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return "", fmt.Errorf("%q is not a 5-field cron expression", expr)
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	switch {
	case dow == "*" || dow == "?":
		dow = "?"
	case dom == "*" || dom == "?":
		dom = "?"
		var err error
		if dow, err = weekdayNames(dow); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("%q restricts both the day of the month and the day of the week, which EventBridge cannot express", expr)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", minute, hour, dom, month, dow), nil
}

// weekdayNames rewrites the numbers of a day-of-week field (0-7, Sunday 0
// or 7) as names, keeping lists, ranges and steps.
func weekdayNames(field string) (string, error) {
	var items []string
	for _, item := range strings.Split(field, ",") {
		rng, step, hasStep := strings.Cut(item, "/")
		var parts []string
		for _, p := range strings.Split(rng, "-") {
			if p == "*" {
				parts = append(parts, p)
				continue
			}
			n, err := strconv.Atoi(p)
			if err != nil {
				parts = append(parts, strings.ToUpper(p)) // already a name
				continue
			}
			if n < 0 || n > 7 {
				return "", fmt.Errorf("day of week %d is out of range 0-7", n)
			}
			parts = append(parts, weekdays[n])
		}
		out := strings.Join(parts, "-")
		if hasStep {
			out += "/" + step
		}
		items = append(items, out)
	}
	return strings.Join(items, ","), nil
}
