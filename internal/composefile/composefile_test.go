package composefile

import "testing"

func TestNames(t *testing.T) {
	for _, c := range []struct {
		name          string
		base, overlay bool
	}{
		{"compose.yaml", true, false},
		{"docker-compose.yml", true, false},
		{"compose.override.yml", false, true},
		{"compose.logging.yaml", false, true},
		{"docker-compose.logging.yml", false, true},
		{"compose.json", false, false},
		{"compose..yaml", false, false},
		{"compose.", false, false},
		{"sub/compose.logging.yaml", false, false},
		{"mycompose.yaml", false, false},
	} {
		if IsBase(c.name) != c.base || IsOverlay(c.name) != c.overlay {
			t.Errorf("%s: base %v overlay %v, want %v %v", c.name, IsBase(c.name), IsOverlay(c.name), c.base, c.overlay)
		}
	}
	if Names[0] != "compose.yaml" || OverrideNames[0] != "compose.override.yaml" {
		t.Error("compose's order of preference changed")
	}
}
