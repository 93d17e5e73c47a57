package ir

import (
	"strings"
	"testing"
)

func TestDecodeItems(t *testing.T) {
	items, err := DecodeItems(`["a","b\"c",""]`)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[1].Key != "1" || items[1].Value != `b"c` || items[2].Value != "" {
		t.Fatalf("got %+v", items)
	}
	items, err = DecodeItems(`[{"b":"2","a":"<1>"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Fields["a"] != "<1>" || items[0].Value != `{"a":"<1>","b":"2"}` {
		t.Fatalf("got %+v", items[0])
	}
	if items, err := DecodeItems(`[]`); err != nil || len(items) != 0 {
		t.Fatalf("empty array: %v %v", items, err)
	}
	long := `[` + strings.Repeat(`"x",`, 40) + `1]`
	for value, want := range map[string]string{
		`not json`:        `not a JSON array: "not json"`,
		`null`:            `not a JSON array`,
		`{"a":"b"}`:       `not a JSON array`,
		`["a",1]`:         `element 1 is neither a string nor an object`,
		`[{"a":1}]`:       `element 0 has field "a" that is not a string`,
		`["a",{"b":"c"}]`: `not a mix of both`,
		`[["a"]]`:         `element 0 is neither`,
		long:              `element 40 is neither a string nor an object: "[\"x\",`,
	} {
		_, err := DecodeItems(value)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", value, err, want)
		}
	}
	if _, err := DecodeItems(long); !strings.Contains(err.Error(), "(163 bytes)") {
		t.Errorf("long value: %v", err)
	}
}

func TestListParamValue(t *testing.T) {
	if err := CheckParamValue(ParamList, `["a"]`); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`a`, `[1]`, `null`, `{"a":"b"}`} {
		if CheckParamValue(ParamList, bad) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
