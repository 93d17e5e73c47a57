package ir

import "testing"

func TestSuggestTriggerKeepsMeaning(t *testing.T) {
	for in, want := range map[string]string{
		"all_sucess":              `all_success`,
		"no_failure":              `none_failed`,
		"none_fail":               `none_failed`,
		"not_failed":              `none_failed`,
		"no_failed":               `none_failed`,
		"any_failed":              `one_failed`,
		"one_failure":             `one_failed`,
		"any_success":             `one_success`,
		"all_succeeded":           `all_success`,
		"all_finished":            `all_done`,
		"every_failed":            `all_failed`,
		"no_skipped":              `none_skipped`,
		"none_skip":               `none_skipped`,
		"none_failed_min_one_suc": `none_failed_min_one_success`,
		"None_Failed":             `none_failed`,
		"":                        ``,
		"banana":                  ``,
		"all":                     ``,
	} {
		got := SuggestTrigger(in)
		if want != "" {
			want = ` Did you mean "` + want + `"?`
		}
		if got != want {
			t.Errorf("SuggestTrigger(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tr := range AcceptedTriggers {
		if got := SuggestTrigger(string(tr)); got != "" {
			t.Errorf("SuggestTrigger(%q) = %q for a valid trigger", tr, got)
		}
	}
}
