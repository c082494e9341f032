package deploycmd

import (
	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/progress"
)

// progressMode resolves --progress against the terminal.
func (o *Options) progressMode() string {
	mode, err := progress.Resolve(o.Progress, o.IO.IsStderrTTY())
	if err != nil {
		return progress.ModePlain
	}
	return mode
}

func (o *Options) startMeter(label string, total int64, main *bundle.Counter, mainName string, side *bundle.Counter, sideName string) *progress.Meter {
	spec := progress.MeterSpec{Label: label, Total: total, Main: main, MainName: mainName, SideName: sideName}
	if side != nil {
		spec.Side = side
	}
	return progress.StartMeter(o.progressMode(), o.IO.ErrOut, 0, spec)
}
