package newcmd_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/cmd/stackgen/newcmd"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
)

// newIn runs `stackgen new` for a reader of lang on a host in tz, the way
// Main wires them (the localizer in IOStreams, the host defaults in the
// factory).
func newIn(t *testing.T, lang msg.Lang, tz string, args ...string) (string, error) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	ios.L = msg.New(lang)
	f := &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "test",
		Host: func() stack.Host { return stack.Host{Lang: string(ios.L.Lang()), TimeZone: tz} }}
	cmd := newcmd.NewCmdNew(f, nil, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

func TestNewForAChineseReader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	out, err := newIn(t, msg.Zh, "Asia/Shanghai", "django", dir, "--yes")
	if err != nil {
		t.Fatalf("new: %v\n%s", err, out)
	}
	for _, want := range []string{"已把 django-uwsgi 编排栈写入", "密钥保存在", "下一步："} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil || !strings.Contains(string(readme), "## 故障排查") {
		t.Errorf("README is not Chinese (%v):\n%.200s", err, readme)
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	// the language and the host's zone are answers: recorded, replayed
	for k, want := range map[string]string{"lang": "zh", "language_code": "zh-hans", "time_zone": "Asia/Shanghai"} {
		if m.Answers[k] != want {
			t.Errorf("answer %s = %q, want %q", k, m.Answers[k], want)
		}
	}
}

func TestLangAnswerOverridesTheReader(t *testing.T) {
	// a Chinese reader may write an English project, and the other way
	dir := filepath.Join(t.TempDir(), "site")
	out, err := newIn(t, msg.Zh, "", "django", dir, "--yes", "--set", "lang=en")
	if err != nil {
		t.Fatalf("new: %v\n%s", err, out)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	if !strings.Contains(string(readme), "## Troubleshooting") || !strings.Contains(out, "已把") {
		t.Errorf("lang=en for a Chinese reader: README %.80q, output %q", readme, out)
	}
}

func TestAnOddHostTimeZoneIsNoDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if out, err := newIn(t, msg.En, "EST5EDT,M3.2.0,M11.1.0", "django", dir, "--yes"); err != nil {
		t.Fatalf("new: %v\n%s", err, out)
	}
	m, err := project.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Answers["time_zone"] != "UTC" || m.Answers["lang"] != "en" {
		t.Errorf("time_zone %q lang %q", m.Answers["time_zone"], m.Answers["lang"])
	}
}

// A stack's notes and render-time warnings are said in the reader's
// language like the rest of new's output.
func TestStackNotesAndWarningsForAChineseReader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "onyx")
	out, err := newIn(t, msg.Zh, "", "onyx", dir, "--yes", "--set", "file_store=s3-minio")
	if err != nil {
		t.Fatalf("new: %v\n%s", err, out)
	}
	for _, want := range []string{"内存：Onyx（标准版）需要给 Docker 约 16 GB 内存", "早于修复 CVE-2025-62506"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
