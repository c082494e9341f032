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
