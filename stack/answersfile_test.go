package stack

import "testing"

func TestAnswersFromYAML(t *testing.T) {
	got, err := AnswersFromYAML("a.yml", map[string]any{"app_version": "1.10", "http_port": 8080, "domain": nil, "image": map[string]any{"db": "mariadb:11.8"}})
	if err != nil {
		t.Fatal(err)
	}
	// an empty value is "", never "<nil>" (upgrade's copy of this loop wrote that)
	want := Answers{"app_version": "1.10", "http_port": "8080", "domain": "", ImagePrefix + "db": "mariadb:11.8"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []map[string]any{{"db": map[string]any{"x": "y"}}, {"db": []any{"a"}}, {"image": map[string]any{"db": 1}}} {
		if _, err := AnswersFromYAML("a.yml", bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
