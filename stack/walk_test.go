package stack

import (
	"strings"
	"testing"
)

// The one question walk: given answers are taken, inactive questions are
// skipped (When sees the answers so far), the rest come from the callback
// with their default.
func TestWalk(t *testing.T) {
	d := &Definition{Name: "t", Questions: []Question{
		{Key: "https", Kind: Bool, Default: "false"},
		{Key: "https_port", Kind: Int, Default: "443", When: func(a Answers) bool { return a.Bool("https") }},
		{Key: "domain", Kind: String, Default: "localhost"},
	}}
	var asked []string
	got, err := d.Walk("", Answers{"https": "true"}, func(q Question, def string, cur Answers) (string, error) {
		asked = append(asked, q.Key+"="+def)
		return def + "!", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, ",") != "https_port=443,domain=localhost" || got["https_port"] != "443!" || got["https"] != "true" {
		t.Errorf("asked %v, got %v", asked, got)
	}
	if miss := d.Unanswered(Answers{}); len(miss) != 2 || miss[1].Key != "domain" {
		t.Errorf("Unanswered = %v (https_port is inactive with https=false)", miss)
	}
}

// ResolveIn walks the same questions as Walk but normalizes each value
// before later questions see it: "yes" turns https on for https_port's
// When, "+8443" is stored as 8443, and a default is checked like a given
// value.
func TestResolveInNormalizesOnTheWalk(t *testing.T) {
	d := &Definition{Name: "t", Questions: []Question{
		{Key: "https", Kind: Bool, Default: "false"},
		{Key: "https_port", Kind: Int, Default: "443", When: func(a Answers) bool { return a.Bool("https") }},
		{Key: "domain", Kind: String, DefaultFrom: func(a Answers) string { return "port-" + a["https_port"] }},
	}}
	got, err := d.ResolveIn("", Answers{"https": "yes", "https_port": "+8443"})
	if err != nil {
		t.Fatal(err)
	}
	if got["https"] != "true" || got["https_port"] != "8443" || got["domain"] != "port-8443" {
		t.Errorf("ResolveIn = %v, want https=true https_port=8443 domain=port-8443", got)
	}
	got, err = d.ResolveIn("", Answers{"https": "no", "https_port": "8443"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["https_port"]; ok || got["domain"] != "port-" {
		t.Errorf("ResolveIn kept the answer of an inactive question: %v", got)
	}
	d.Questions[1].Default = "not-a-port"
	if _, err := d.ResolveIn("", Answers{"https": "true"}); err == nil || !strings.Contains(err.Error(), "https_port") {
		t.Errorf("a bad default passed ResolveIn: %v", err)
	}
	if err := d.CheckKeys(Answers{"htps": "true"}); err == nil || !strings.Contains(err.Error(), `"htps"`) {
		t.Errorf("CheckKeys accepted an unknown key: %v", err)
	}
}
