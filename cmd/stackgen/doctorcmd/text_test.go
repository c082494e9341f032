package doctorcmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

func TestChecksSpeakTheReadersLanguage(t *testing.T) {
	c := say("memory", Fail, "doctor.memory.low", msg.Args{"Total": "1.0 GiB", "Need": "4.0 GiB"}).fix("doctor.memory.fix")
	if c.Detail != "1.0 GiB available to the engine; this stack's services need about 4.0 GiB" || !strings.HasPrefix(c.Fix, "give Docker more memory") {
		t.Errorf("English fields changed: %q / %q", c.Detail, c.Fix)
	}
	d, f := c.localized(msg.New(msg.Zh))
	if !strings.Contains(d, "引擎可用内存 1.0 GiB") || !strings.Contains(f, "分配更多内存") {
		t.Errorf("zh: %q / %q", d, f)
	}
	b, err := json.Marshal(jsonChecks(msg.New(msg.Zh), []Check{c}))
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back[0]["detail"] != c.Detail || back[0]["lang"] != "zh" || !strings.Contains(back[0]["text"].(map[string]any)["detail"].(string), "引擎可用内存") {
		t.Errorf("--json keeps English and adds the zh text beside it: %s", b)
	}
	// a fix from the engine's hints is not in the catalogue: shown as is
	h := say("compose", Fail, "doctor.compose.missing", nil).hint("install the plugin")
	if _, f := h.localized(msg.New(msg.Zh)); f != "install the plugin" {
		t.Errorf("hint: %q", f)
	}
}
