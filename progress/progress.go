// Package progress shows what a long engine operation is doing, as events
// rendered by one of a few writers: live lines on a terminal, plain lines
// for logs and pipes, JSON lines for programs, or nothing.
package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
)

// Status is the state of one line of progress.
type Status string

const (
	Waiting Status = "waiting"
	Working Status = "working"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Event is a change of one item (a service, or a step such as "build").
type Event struct {
	ID     string
	Status Status
	Text   string
	// Time is when it happened; zero means now.
	Time time.Time
}

// Writer receives events.
type Writer interface {
	// Event records a change of an item.
	Event(Event)
	// Info prints a line of text that is not an item's state.
	Info(format string, args ...any)
	// Stop ends the live display, leaving the final state on screen.
	Stop()
}

// Modes a user can ask for with --progress.
const (
	ModeAuto  = "auto"
	ModeTTY   = "tty"
	ModePlain = "plain"
	ModeJSON  = "json"
	ModeQuiet = "quiet"
)

// Modes lists the valid --progress values.
var Modes = []string{ModeAuto, ModeTTY, ModePlain, ModeJSON, ModeQuiet}

// Resolve turns "auto" into tty or plain, by whether the output is a
// terminal, and checks the value.
func Resolve(mode string, isTTY bool) (string, error) {
	switch mode {
	case "", ModeAuto:
		if isTTY {
			return ModeTTY, nil
		}
		return ModePlain, nil
	case ModeTTY, ModePlain, ModeJSON, ModeQuiet:
		return mode, nil
	}
	return "", msg.Err("progress.err.invalid", msg.Args{"Value": strconv.Quote(mode), "Modes": strings.Join(Modes, ", ")})

}

// New returns the writer for a resolved mode. start is when the operation
// began (elapsed times count from it); color follows NO_COLOR and the
// terminal check of the caller.
func New(mode string, w io.Writer, color bool, start time.Time) Writer {
	switch mode {
	case ModeTTY:
		return newTTY(w, color, start)
	case ModeJSON:
		return &jsonWriter{enc: json.NewEncoder(w), start: start}
	case ModeQuiet:
		return quiet{}
	}
	return &plainWriter{w: w, start: start, last: map[string]Event{}}
}

func when(e Event) time.Time {
	if e.Time.IsZero() {
		return time.Now()
	}
	return e.Time
}

// plainWriter prints one line per change.
type plainWriter struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	last  map[string]Event
}

func (p *plainWriter) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.last[e.ID]; ok && prev.Status == e.Status && prev.Text == e.Text {
		return
	}
	p.last[e.ID] = e
	fmt.Fprintf(p.w, "[%6.1fs] %s: %s\n", when(e).Sub(p.start).Seconds(), e.ID, e.Text)
}

func (p *plainWriter) Info(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *plainWriter) Stop() {}

// jsonWriter prints one JSON object per line.
type jsonWriter struct {
	mu    sync.Mutex
	enc   *json.Encoder
	start time.Time
}

type jsonEvent struct {
	Time    time.Time `json:"time"`
	Elapsed float64   `json:"elapsed_s"`
	ID      string    `json:"id,omitempty"`
	Status  Status    `json:"status,omitempty"`
	Text    string    `json:"text,omitempty"`
	Message string    `json:"message,omitempty"`
}

func (j *jsonWriter) Event(e Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	t := when(e)
	_ = j.enc.Encode(jsonEvent{Time: t, Elapsed: round(t.Sub(j.start)), ID: e.ID, Status: e.Status, Text: e.Text})
}

func (j *jsonWriter) Info(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	t := time.Now()
	_ = j.enc.Encode(jsonEvent{Time: t, Elapsed: round(t.Sub(j.start)), Message: fmt.Sprintf(format, args...)})
}

func (j *jsonWriter) Stop() {}

func round(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

type quiet struct{}

func (quiet) Event(Event)         {}
func (quiet) Info(string, ...any) {}
func (quiet) Stop()               {}

// Sink is where a service reports: Out for results (a URL, JSON lines),
// ErrOut for what a person reads while it works. TTY says ErrOut is a
// terminal (auto resolves to tty), Color that it may be coloured
// (NO_COLOR unset).
type Sink struct {
	Out, ErrOut io.Writer
	TTY, Color  bool
	// L says the reports in the reader's language (nil: English).
	L *msg.Localizer
}

// ComposeMode is docker compose's --progress for a resolved mode: its own
// live view when ours is one, nothing when quiet, plain lines otherwise.
func ComposeMode(mode string) string {
	switch mode {
	case ModeTTY:
		return "auto"
	case ModeQuiet:
		return "quiet"
	}
	return "plain"
}
