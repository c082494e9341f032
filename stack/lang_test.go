package stack

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

func TestAnswerErrorsReadInTheReadersLanguage(t *testing.T) {
	q := Question{Key: "time_zone", Kind: String, Check: TimeZone}
	_, err := q.Normalize("Mars/Base", nil)
	if err == nil {
		t.Fatal("Mars/Base accepted")
	}
	if want := `time_zone: "Mars/Base" is not a time zone of the IANA tz database`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("English: %q", err)
	}
	if got := msg.New(msg.Zh).T("root.error", msg.Args{"Err": err}); !strings.Contains(got, "time_zone：\"Mars/Base\" 不是 IANA 时区数据库里的时区") {
		t.Errorf("Chinese: %q", got)
	}
}

func TestApplyHost(t *testing.T) {
	d := &Definition{Questions: []Question{LangQuestion(), {Key: "time_zone", Default: "UTC"}}}
	d.ApplyHost(Host{Lang: "zh", TimeZone: "Asia/Shanghai"})
	if d.Questions[0].Default != "zh" || d.Questions[1].Default != "Asia/Shanghai" {
		t.Errorf("defaults %q %q", d.Questions[0].Default, d.Questions[1].Default)
	}
	d.ApplyHost(Host{TimeZone: "EST5EDT,M3.2.0"})
	if d.Questions[1].Default != "Asia/Shanghai" {
		t.Errorf("an invalid zone replaced the default: %q", d.Questions[1].Default)
	}
}
