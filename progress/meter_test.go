package progress

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackgen/stackgen/internal/msg"
)

type count struct{ n atomic.Int64 }

func (c *count) Load() int64 { return c.n.Load() }

func TestMeterModes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		ok   bool
		want string // "" means no output at all
	}{
		{ModeQuiet, true, ""},
		{ModePlain, true, "  saving: done, 2.0 KiB of 4.0 KiB read"},
		{ModePlain, false, ""},
	} {
		var out bytes.Buffer
		c := &count{}
		c.n.Store(2048)
		m := StartMeter(tc.mode, &out, time.Hour, MeterSpec{Label: "saving", Total: 4096, Main: c, MainName: "read"})
		m.Stop(tc.ok)
		m.Stop(tc.ok) // a second Stop is harmless
		if tc.want == "" && out.Len() != 0 || !strings.HasPrefix(out.String(), tc.want) || strings.Count(out.String(), "\n") > 1 {
			t.Errorf("%s ok=%v: got %q, want prefix %q", tc.mode, tc.ok, out.String(), tc.want)
		}
	}
}

func TestStepsPlainPrintsFinishedItemsOnly(t *testing.T) {
	var plain, tty bytes.Buffer
	for _, s := range []*Steps{NewSteps(&plain, false), NewSteps(&tty, true)} {
		s.Step("db", "pg_dump", 10, 0, false)
		s.Step("db", "pg_dump", 2048, 1500*time.Millisecond, true)
	}
	if strings.Contains(plain.String(), "...") || !strings.Contains(plain.String(), "2.0 KiB  1.5s\n") || strings.Contains(plain.String(), "\r") {
		t.Errorf("plain: %q", plain.String())
	}
	if strings.Count(tty.String(), "\r\033[K") != 2 || !strings.Contains(tty.String(), "...") {
		t.Errorf("tty: %q", tty.String())
	}
}

// A Chinese reader's meter line has Chinese framing words and punctuation.
func TestMeterSaysItsStatusInTheReadersLanguage(t *testing.T) {
	var out bytes.Buffer
	c := &count{}
	c.n.Store(2048)
	zh := msg.New(msg.Zh)
	m := StartMeter(ModePlain, &out, time.Hour, MeterSpec{Label: zh.T("progress.label.saving"), Total: 4096, Main: c, MainName: zh.T("progress.name.read"), L: zh})
	m.Stop(true)
	if want := "  导出并压缩：完成，已读取 2.0 KiB / 4.0 KiB，"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("got %q, want prefix %q", out.String(), want)
	}
}
