package argo

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Kubernetes' own name rules (k8s.io/apimachinery/pkg/util/validation), so
// that a bad name is a diagnostic at the attribute, not a rejection by the
// API server at submit time.
var (
	dns1123LabelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123SubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	qualifiedNameRE    = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
)

// kubeName checks s against one of Kubernetes' name rules: at most limit
// bytes, matching re, which desc describes.
func kubeName(what, s string, limit int, re *regexp.Regexp, desc string) error {
	switch {
	case len(s) > limit:
		return fmt.Errorf("%s %q is %d characters long; Kubernetes allows at most %d", what, s, len(s), limit)
	case !re.MatchString(s):
		return fmt.Errorf("%s %q is not a Kubernetes %s", what, s, desc)
	}
	return nil
}

func dns1123Label(what, s string) error {
	return kubeName(what, s, 63, dns1123LabelRE, "DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit")
}

func dns1123Subdomain(what, s string) error {
	return kubeName(what, s, 253, dns1123SubdomainRE, "DNS subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit")
}

// qualifiedName is a label or annotation key: an optional DNS subdomain
// prefix and '/', then a name of at most 63 characters.
func qualifiedName(what, s string) error {
	name := s
	if prefix, rest, ok := strings.Cut(s, "/"); ok {
		if err := dns1123Subdomain(what+" prefix", prefix); err != nil {
			return err
		}
		name = rest
	}
	if len(name) > 63 {
		return fmt.Errorf("%s %q has a name part of %d characters; Kubernetes allows at most 63", what, s, len(name))
	}
	if !qualifiedNameRE.MatchString(name) {
		return fmt.Errorf("%s %q is not a Kubernetes qualified name: an optional DNS prefix and '/', then letters, digits, '-', '_' and '.', starting and ending with a letter or digit", what, s)
	}
	return nil
}

func labelValue(what, s string) error {
	if s == "" {
		return nil
	}
	return kubeName(what, s, 63, qualifiedNameRE, "label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
}

// checkedString is a string field whose value must pass check.
func checkedString(name string, check func(what, s string) error, field func(*Options) *string) settings.Field[Options] {
	return settings.Custom(name, func(o *Options, v ir.Value) error {
		s, err := settings.AsString(v)
		if err != nil {
			return err
		}
		if err := check(name, s); err != nil {
			return err
		}
		*field(o) = s
		return nil
	})
}

// checkedMap is a map field whose keys, and values when valueCheck is not
// nil, must pass their checks; keys are checked in sorted order so the
// first problem reported is stable.
func checkedMap(name string, keyCheck, valueCheck func(what, s string) error, field func(*Options) *map[string]string) settings.Field[Options] {
	return settings.Custom(name, func(o *Options, v ir.Value) error {
		m, err := settings.AsStringMap(v)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := keyCheck(name+" key", k); err != nil {
				return err
			}
			if valueCheck != nil {
				if err := valueCheck(name+" value of "+k, m[k]); err != nil {
					return err
				}
			}
		}
		*field(o) = m
		return nil
	})
}

// checkedList is a list field whose every element must pass check.
func checkedList(name string, check func(what, s string) error, field func(*Options) *[]string) settings.Field[Options] {
	return settings.Custom(name, func(o *Options, v ir.Value) error {
		l, err := settings.AsStringList(v)
		if err != nil {
			return err
		}
		for _, s := range l {
			if err := check(name+" entry", s); err != nil {
				return err
			}
		}
		*field(o) = l
		return nil
	})
}
