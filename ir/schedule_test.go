package ir

import (
	"archive/zip"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

func TestCheckSchedule(t *testing.T) {
	valid := []string{
		"", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
		"0 3 * * *", "*/15 * * * *", "0 0-23/2 * * *", "5,10,15 1 1 1 0",
		"0 9 * * MON-FRI", "0 0 1 jan,Jul *", "0 0 * * 7", "30 4 1-15/3 */2 sun",
		"0/5 * * * *", "59 23 31 12 6", "  0   3 * *  *  ",
	}
	for _, s := range valid {
		if err := CheckSchedule(s); err != nil {
			t.Errorf("CheckSchedule(%q) = %v, want nil", s, err)
		}
	}
	invalid := map[string]string{
		"@daly":             `Did you mean "@daily"?`,
		"@reboot":           "not a schedule preset",
		"0 3 * *":           "has 4",
		"0 0 3 * * *":       "Seconds and years are not supported",
		"60 * * * *":        `minute field "60": 60 is outside 0-59`,
		"* 24 * * *":        "hour field",
		"* * 0 * *":         `day-of-month field "0": 0 is outside 1-31`,
		"* * * 13 *":        "month field",
		"* * * * 8":         "day-of-week field",
		"* * * * MOON":      `"MOON" is neither a number in 0-7 nor a name`,
		"* * * JANUARY *":   `"JANUARY"`,
		"5-1 * * * *":       "range 5-1 goes backwards",
		"*/0 * * * *":       "step 0 is outside 1-60",
		"*/x * * * *":       `step "x" is not a number`,
		"*/+5 * * * *":      `step "+5" is not a number`,
		"1,,2 * * * *":      "empty list element",
		"* * ? * *":         "not portable",
		"* * L * *":         "not portable",
		"-1 * * * *":        `"" is not a number`,
		"+1 * * * *":        `"+1" is not a number`,
		"* * * * * extra x": "has 7",
	}
	for s, want := range invalid {
		err := CheckSchedule(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckSchedule(%q) = %v, want error containing %q", s, err, want)
		}
	}
}

func TestCheckTimezone(t *testing.T) {
	for _, s := range []string{"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"} {
		if err := CheckTimezone(s); err != nil {
			t.Errorf("CheckTimezone(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Berlin\n"} {
		if err := CheckTimezone(s); err == nil {
			t.Errorf("CheckTimezone(%q) = nil, want error", s)
		}
	}
}

func TestCheckStartDate(t *testing.T) {
	for _, s := range []string{"2026-01-01", "2024-02-29"} {
		if err := CheckStartDate(s); err != nil {
			t.Errorf("CheckStartDate(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "2026-1-1", "2025-02-29", "2026-01-01T00:00:00Z", "01/02/2026"} {
		if err := CheckStartDate(s); err == nil {
			t.Errorf("CheckStartDate(%q) = nil, want error", s)
		}
	}
}

// TestHardening13TimezonesFromEmbeddedData: names that are files of the
// machine's zoneinfo directory but not IANA zones used to validate
// (issue 13, item 13).
func TestHardening13TimezonesFromEmbeddedData(t *testing.T) {
	for _, s := range []string{"./UTC", "right/UTC", "posix/UTC", "posixrules", "Factory", "zone.tab", "UTC/", "Europe//Berlin"} {
		if err := CheckTimezone(s); err == nil {
			t.Errorf("CheckTimezone(%q) = nil, want error", s)
		}
	}
	if err := CheckTimezone("Europe/Berlni"); err == nil || !strings.Contains(err.Error(), `Did you mean "Europe/Berlin"?`) {
		t.Errorf("a misspelt zone should get a suggestion, got %v", err)
	}
	for _, s := range []string{"Etc/UTC", "US/Eastern", "America/Argentina/Buenos_Aires"} {
		if err := CheckTimezone(s); err != nil {
			t.Errorf("CheckTimezone(%q) = %v", s, err)
		}
	}
}

// TestTimezoneNamesMatchToolchain keeps tznames.txt in step with the zones
// time/tzdata embeds; after a Go upgrade run `go generate ./ir`.
func TestTimezoneNamesMatchToolchain(t *testing.T) {
	z, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no zoneinfo.zip in GOROOT: %v", err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if got := strings.Join(names, "\n") + "\n"; got != tzNames {
		t.Error("ir/tznames.txt differs from this Go toolchain's zone list: run `go generate ./ir`")
	}
}
