package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
)

// Count is a byte count another goroutine advances (bundle.Counter).
type Count interface{ Load() int64 }

// MeterSpec says what a meter shows. Main is the count the rate is
// measured on; Side, when set, is a second count shown beside it (the
// compressed bytes).
type MeterSpec struct {
	Label    string
	Total    int64
	Main     Count
	MainName string
	Side     Count
	SideName string
	// L says the final line in the reader's language (nil: English).
	L *msg.Localizer
}

// Meter shows a long transfer while it runs: a live bar on a terminal, a
// line every few seconds otherwise (logs, CI), nothing in quiet mode.
type Meter struct {
	spec  MeterSpec
	start time.Time
	out   io.Writer
	every time.Duration

	once sync.Once
	done chan struct{}
	wg   sync.WaitGroup

	p   *mpb.Progress
	bar *mpb.Bar
}

// PlainInterval is how often a plain meter prints a line.
const PlainInterval = 5 * time.Second

// StartMeter starts a meter in a resolved mode (tty, plain or quiet; json
// shows as plain) writing to w; every is the plain line interval
// (0: PlainInterval).
func StartMeter(mode string, w io.Writer, every time.Duration, spec MeterSpec) *Meter {
	if every <= 0 {
		every = PlainInterval
	}
	m := &Meter{spec: spec, start: time.Now(), out: w, every: every, done: make(chan struct{})}
	switch mode {
	case ModeQuiet:
		m.out = nil
	case ModeTTY:
		m.startBar()
	default:
		m.wg.Add(1)
		go m.tick(m.every, func() { fmt.Fprintf(m.out, "  %s: %s\n", m.spec.Label, m.status()) })
	}
	return m
}

func (m *Meter) startBar() {
	m.p = mpb.New(mpb.WithOutput(m.out), mpb.WithWidth(28), mpb.WithRefreshRate(200*time.Millisecond))
	var fb mpb.BarFillerBuilder = mpb.BarStyle().Lbound("[").Rbound("]")
	if m.spec.Total <= 0 {
		fb = mpb.NopStyle()
	}
	m.bar = m.p.New(m.spec.Total, fb,
		mpb.PrependDecorators(decor.Name(m.spec.Label, decor.WC{C: decor.DindentRight | decor.DextraSpace})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return m.status() })),
	)
	m.wg.Add(1)
	go m.tick(100*time.Millisecond, func() {
		n := m.spec.Main.Load()
		if m.spec.Total > 0 && n > m.spec.Total {
			n = m.spec.Total
		}
		m.bar.SetCurrent(n)
	})
}

// tick calls f every d until the meter stops.
func (m *Meter) tick(d time.Duration, f func()) {
	defer m.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			f()
		}
	}
}

// status is the meter's text: counts, rate, elapsed time, in the words
// and punctuation of the reader's language.
func (m *Meter) status() string {
	l := m.spec.L
	el := time.Since(m.start)
	n := m.spec.Main.Load()
	parts := []string{l.T("progress.meter.count", msg.Args{"Count": units.Bytes(n), "Name": m.spec.MainName})}
	if m.spec.Total > 0 {
		parts[0] = l.T("progress.meter.count-of", msg.Args{"Count": units.Bytes(n), "Total": units.Bytes(m.spec.Total), "Name": m.spec.MainName})
	}
	if m.spec.Side != nil {
		parts = append(parts, l.T("progress.meter.count", msg.Args{"Count": units.Bytes(m.spec.Side.Load()), "Name": m.spec.SideName}))
	}
	if secs := el.Seconds(); secs > 0.2 {
		parts = append(parts, l.T("progress.meter.rate", msg.Args{"Rate": units.Bytes(int64(float64(n) / secs))}))
	}
	parts = append(parts, el.Round(100*time.Millisecond).String())
	return strings.Join(parts, l.T("progress.meter.sep"))
}

// Stop ends the display, with a final line when ok.
func (m *Meter) Stop(ok bool) {
	m.once.Do(func() {
		close(m.done)
		m.wg.Wait()
		if m.bar != nil {
			if ok {
				m.bar.SetCurrent(m.spec.Main.Load())
				m.bar.SetTotal(-1, true)
			} else {
				m.bar.Abort(false)
			}
			m.p.Wait()
			return
		}
		if ok && m.out != nil {
			fmt.Fprintln(m.out, m.spec.L.T("deploy.meter.done", msg.Args{"Label": m.spec.Label, "Status": m.status()}))
		}
	})
}
