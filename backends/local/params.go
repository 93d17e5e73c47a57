package local

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// UsageError is an error in what the user asked for (a bad --param, a
// missing required param): the command exits 2 on it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ParseParamFlags turns repeated "name=value" flags into a map; later
// flags win.
func ParseParamFlags(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			return nil, usagef("--param %q: expected name=value", f)
		}
		out[name] = value
	}
	return out, nil
}

// ResolveParams checks the given params against the pipeline's declarations
// and fills in defaults. An unknown name, a value of the wrong type, or a
// param with no default that was not given is a usage error.
func ResolveParams(p *ir.Pipeline, given map[string]string) (map[string]string, error) {
	var unknown []string
	for name := range given {
		if p.Param(name) == nil {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		declared := make([]string, len(p.Params))
		for i, pa := range p.Params {
			declared[i] = pa.Name
		}
		list := "none"
		if len(declared) > 0 {
			list = strings.Join(declared, ", ")
		}
		return nil, usagef("unknown param %s (pipeline %q declares: %s)", strings.Join(unknown, ", "), p.Name, list)
	}
	out := make(map[string]string, len(p.Params))
	for _, pa := range p.Params {
		v, ok := given[pa.Name]
		if !ok {
			if !pa.HasDefault {
				return nil, usagef("param %q has no default: give it with --param %s=VALUE", pa.Name, pa.Name)
			}
			v = pa.Default
		}
		switch pa.Type {
		case ir.ParamNumber:
			if _, ok := ir.ParseNumber(v); !ok {
				return nil, usagef("param %q is a number, got %q", pa.Name, v)
			}
		case ir.ParamBool:
			if v != "true" && v != "false" {
				return nil, usagef("param %q is a bool (true or false), got %q", pa.Name, v)
			}
		case ir.ParamList:
			if err := ir.CheckParamValue(pa.Type, v); err != nil {
				return nil, usagef("param %q is a list(string), given as a JSON array such as [\"a\",\"b\"]; it %s", pa.Name, err)
			}
		}
		out[pa.Name] = v
	}
	return out, nil
}

// NewRunID returns a fresh run id: the UTC start time (so ids sort by
// start) and random hex (so two runs started in the same second differ).
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// LogicalDate is run.date for a run started at now: the calendar date in
// the pipeline's timezone (UTC when unset or unknown).
func LogicalDate(p *ir.Pipeline, now time.Time) string {
	loc := time.UTC
	if p.Timezone != "" {
		if l, err := time.LoadLocation(p.Timezone); err == nil {
			loc = l
		}
	}
	return now.In(loc).Format("2006-01-02")
}

// CheckDate validates a --date value.
func CheckDate(s string) error {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return usagef("--date %q: expected YYYY-MM-DD", s)
	}
	return nil
}
