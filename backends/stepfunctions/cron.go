package stepfunctions

import (
	"fmt"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// eventBridgeCron writes a schedule as EventBridge's 6-field cron(min hour
// day-of-month month day-of-week year), from ir's parsed form. EventBridge
// needs "?" in one of the two day fields and numbers weekdays from 1
// (Sunday), so weekdays are written as names.
func eventBridgeCron(schedule string) (string, error) {
	c, err := ir.ParseSchedule(schedule)
	if err != nil || c == nil {
		return "", fmt.Errorf("%q is not a schedule", schedule)
	}
	f := strings.Fields(c.String())
	minute, hour, dom, month := f[0], f[1], f[2], f[3]
	var dow string
	switch {
	case c.DayOfWeekStar:
		dow = "?"
	case c.DayOfMonthStar:
		dom, dow = "?", weekdayNames(c.DayOfWeek)
	default:
		return "", fmt.Errorf("%q restricts both the day of the month and the day of the week, which EventBridge cannot express", schedule)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", minute, hour, dom, month, dow), nil
}

// weekdayNames writes a set of weekdays as names, runs as ranges.
func weekdayNames(bits uint64) string {
	vals := ir.Values(bits)
	var items []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		if j-i >= 2 {
			items = append(items, weekdays[vals[i]]+"-"+weekdays[vals[j]])
		} else {
			for k := i; k <= j; k++ {
				items = append(items, weekdays[vals[k]])
			}
		}
		i = j + 1
	}
	return strings.Join(items, ",")
}
