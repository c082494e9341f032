package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ttyWriter keeps one live line per item at the bottom of the terminal and
// redraws it in place; Info lines scroll above it.
type ttyWriter struct {
	mu      sync.Mutex
	w       io.Writer
	color   bool
	start   time.Time
	items   map[string]*ttyItem
	order   []string
	drawn   int
	frame   int
	stop    chan struct{}
	stopped bool
	done    sync.WaitGroup
}

type ttyItem struct {
	Event
	first time.Time
	end   time.Time
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func newTTY(w io.Writer, color bool, start time.Time) *ttyWriter {
	t := &ttyWriter{w: w, color: color, start: start, items: map[string]*ttyItem{}, stop: make(chan struct{})}
	t.done.Add(1)
	go t.tick()
	return t
}

// tick redraws the spinners and clocks while something is working.
func (t *ttyWriter) tick() {
	defer t.done.Done()
	tk := time.NewTicker(120 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tk.C:
			t.mu.Lock()
			if t.drawn > 0 {
				t.frame++
				t.redraw()
			}
			t.mu.Unlock()
		}
	}
}

func (t *ttyWriter) Event(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	at := when(e)
	it, ok := t.items[e.ID]
	if !ok {
		it = &ttyItem{first: at}
		t.items[e.ID] = it
		t.order = append(t.order, e.ID)
	}
	it.Event = e
	it.end = time.Time{}
	if e.Status == Done || e.Status == Failed {
		it.end = at
	}
	t.redraw()
}

func (t *ttyWriter) Info(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clear()
	fmt.Fprintf(t.w, format+"\n", args...)
	if !t.stopped {
		t.redraw()
	}
}

func (t *ttyWriter) Stop() {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	t.stopped = true
	t.redraw()
	t.drawn = 0 // the final lines stay
	t.mu.Unlock()
	close(t.stop)
	t.done.Wait()
}

// clear erases the live lines.
func (t *ttyWriter) clear() {
	if t.drawn == 0 {
		return
	}
	fmt.Fprintf(t.w, "\x1b[%dA", t.drawn)
	for i := 0; i < t.drawn; i++ {
		fmt.Fprint(t.w, "\r\x1b[2K\n")
	}
	fmt.Fprintf(t.w, "\x1b[%dA", t.drawn)
	t.drawn = 0
}

func (t *ttyWriter) redraw() {
	var b strings.Builder
	if t.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", t.drawn)
	}
	width := 0
	for _, id := range t.order {
		width = max(width, len(id))
	}
	now := time.Now()
	for _, id := range t.order {
		it := t.items[id]
		end := it.end
		if end.IsZero() {
			end = now
		}
		elapsed := fmt.Sprintf("%.1fs", end.Sub(it.first).Seconds())
		b.WriteString("\r\x1b[2K ")
		b.WriteString(t.icon(it.Status))
		fmt.Fprintf(&b, " %-*s  %s", width, id, t.paint(it.Status, it.Text))
		b.WriteString("  " + t.dim(elapsed) + "\n")
	}
	t.drawn = len(t.order)
	io.WriteString(t.w, b.String())
}

func (t *ttyWriter) icon(s Status) string {
	switch s {
	case Done:
		return t.paint(s, "✔")
	case Failed:
		return t.paint(s, "✘")
	case Working:
		return t.paint(s, spinner[t.frame%len(spinner)])
	}
	return t.dim("·")
}

func (t *ttyWriter) paint(s Status, text string) string {
	if !t.color {
		return text
	}
	switch s {
	case Done:
		return "\x1b[32m" + text + "\x1b[0m"
	case Failed:
		return "\x1b[31m" + text + "\x1b[0m"
	case Working:
		return "\x1b[36m" + text + "\x1b[0m"
	}
	return text
}

func (t *ttyWriter) dim(text string) string {
	if !t.color {
		return text
	}
	return "\x1b[2m" + text + "\x1b[0m"
}
