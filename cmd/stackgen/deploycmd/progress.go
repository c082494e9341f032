package deploycmd

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/internal/units"
)

// meter shows a long transfer while it runs: a live bar on a terminal,
// a line every few seconds otherwise (logs, CI), nothing with --progress
// quiet. main is the count the rate is measured on; side, when set, is a
// second count shown beside it (the compressed bytes).
type meter struct {
	label      string
	mainName   string
	sideName   string
	total      int64
	main, side *bundle.Counter
	start      time.Time
	out        io.Writer
	l          *msg.Localizer

	once sync.Once
	done chan struct{}
	wg   sync.WaitGroup

	p   *mpb.Progress
	bar *mpb.Bar
}

// progressMode resolves --progress against the terminal.
func (o *Options) progressMode() string {
	switch o.Progress {
	case "tty", "plain", "quiet":
		return o.Progress
	}
	if o.IO.IsStderrTTY() {
		return "tty"
	}
	return "plain"
}

// plainInterval is how often plain progress prints a line.
var plainInterval = 5 * time.Second

func (o *Options) startMeter(label string, total int64, main *bundle.Counter, mainName string, side *bundle.Counter, sideName string) *meter {
	m := &meter{label: label, total: total, main: main, mainName: mainName, side: side, sideName: sideName, l: o.IO.L,
		start: time.Now(), out: o.IO.ErrOut, done: make(chan struct{})}
	switch o.progressMode() {
	case "quiet":
		m.out = nil
		return m
	case "tty":
		m.p = mpb.New(mpb.WithOutput(m.out), mpb.WithWidth(28), mpb.WithRefreshRate(200*time.Millisecond))
		filler := mpb.BarStyle().Lbound("[").Rbound("]")
		var fb mpb.BarFillerBuilder = filler
		if total <= 0 {
			fb = mpb.NopStyle()
		}
		m.bar = m.p.New(total, fb,
			mpb.PrependDecorators(decor.Name(label, decor.WC{C: decor.DindentRight | decor.DextraSpace})),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return m.status() })),
		)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-m.done:
					return
				case <-t.C:
					n := m.main.Load()
					if m.total > 0 && n > m.total {
						n = m.total
					}
					m.bar.SetCurrent(n)
				}
			}
		}()
	default:
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			t := time.NewTicker(plainInterval)
			defer t.Stop()
			for {
				select {
				case <-m.done:
					return
				case <-t.C:
					fmt.Fprintf(m.out, "  %s: %s\n", m.label, m.status())
				}
			}
		}()
	}
	return m
}

// status is the meter's text: counts, rate, elapsed time.
func (m *meter) status() string {
	el := time.Since(m.start)
	n := m.main.Load()
	s := units.Bytes(n) + " " + m.mainName
	if m.total > 0 {
		s = fmt.Sprintf("%s of %s %s", units.Bytes(n), units.Bytes(m.total), m.mainName)
	}
	if m.side != nil {
		s += fmt.Sprintf(", %s %s", units.Bytes(m.side.Load()), m.sideName)
	}
	if secs := el.Seconds(); secs > 0.2 {
		s += fmt.Sprintf(", %s/s", units.Bytes(int64(float64(n)/secs)))
	}
	return s + fmt.Sprintf(", %s", el.Round(100*time.Millisecond))
}

// stop ends the display, with a final line when ok.
func (m *meter) stop(ok bool) {
	m.once.Do(func() {
		close(m.done)
		m.wg.Wait()
		if m.bar != nil {
			if ok {
				m.bar.SetCurrent(m.main.Load())
				m.bar.SetTotal(-1, true)
			} else {
				m.bar.Abort(false)
			}
			m.p.Wait()
			return
		}
		if ok && m.p == nil && m.out != nil {
			fmt.Fprintln(m.out, m.l.T("deploy.meter.done", msg.Args{"Label": m.label, "Status": m.status()}))
		}
	})
}
