package progress

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		mode string
		tty  bool
		want string
	}{
		{"auto", true, ModeTTY}, {"auto", false, ModePlain}, {"", false, ModePlain},
		{"plain", true, ModePlain}, {"json", true, ModeJSON}, {"tty", false, ModeTTY},
	} {
		got, err := Resolve(tc.mode, tc.tty)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q, %v) = %q, %v; want %q", tc.mode, tc.tty, got, err, tc.want)
		}
	}
	if _, err := Resolve("fancy", true); err == nil || !strings.Contains(err.Error(), "auto, tty, plain, json, quiet") {
		t.Errorf("invalid mode error %v does not list the modes", err)
	}
}

func TestPlainPrintsEachChangeOnce(t *testing.T) {
	var buf bytes.Buffer
	w := New(ModePlain, &buf, false, start)
	w.Event(Event{ID: "db", Status: Working, Text: "health: starting", Time: start.Add(time.Second)})
	w.Event(Event{ID: "db", Status: Working, Text: "health: starting", Time: start.Add(2 * time.Second)})
	w.Event(Event{ID: "db", Status: Done, Text: "healthy", Time: start.Add(12300 * time.Millisecond)})
	w.Info("ready: %s", "http://127.0.0.1:8080/")
	w.Stop()
	want := "[   1.0s] db: health: starting\n[  12.3s] db: healthy\nready: http://127.0.0.1:8080/\n"
	if buf.String() != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	w := New(ModeJSON, &buf, false, start)
	w.Event(Event{ID: "redis", Status: Failed, Text: "unhealthy", Time: start.Add(1500 * time.Millisecond)})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines", len(lines))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got["id"] != "redis" || got["status"] != "failed" || got["text"] != "unhealthy" || got["elapsed_s"] != 1.5 {
		t.Errorf("json event %v", got)
	}
}

func TestTTYRedrawsInPlaceWithoutColorWhenAsked(t *testing.T) {
	var buf bytes.Buffer
	w := New(ModeTTY, &buf, false, start)
	w.Event(Event{ID: "db", Status: Working, Text: "health: starting"})
	w.Event(Event{ID: "web", Status: Waiting, Text: "not created yet"})
	w.Event(Event{ID: "db", Status: Done, Text: "healthy"})
	w.Stop()
	out := buf.String()
	if strings.Contains(out, "\x1b[3") {
		t.Errorf("colour codes with colour off: %q", out)
	}
	if !strings.Contains(out, "\x1b[2A") {
		t.Errorf("no cursor-up to redraw two lines: %q", out)
	}
	if !strings.Contains(out, "✔ db   healthy") {
		t.Errorf("final db line missing: %q", out)
	}
	var cb bytes.Buffer
	c := New(ModeTTY, &cb, true, start)
	c.Event(Event{ID: "db", Status: Failed, Text: "unhealthy"})
	c.Stop()
	if !strings.Contains(cb.String(), "\x1b[31munhealthy") {
		t.Errorf("failed line not red with colour on: %q", cb.String())
	}
}
