package root

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/internal/msg"
)

func TestLangArg(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"new", "--lang", "zh"}, "zh"},
		{[]string{"--lang=en", "validate"}, "en"},
		{[]string{"new", "--", "--lang", "zh"}, ""},
		{[]string{"new", "--lang"}, ""}, // cobra reports the missing value
	}
	for _, c := range cases {
		if got := langArg(c.args); got != c.want {
			t.Errorf("langArg(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

func execRootIn(t *testing.T, l msg.Lang, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	ios.L = msg.New(l)
	f := &cmdutil.Factory{IO: ios, Rand: rand.Reader, Version: "1.2.3"}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	code := exitCode(f, cmd, cmd.Execute())
	return out.String(), errOut.String(), code
}

func TestChineseHelpAndErrors(t *testing.T) {
	out, _, code := execRootIn(t, msg.Zh, "--help")
	for _, want := range []string{"用法：", "可用命令：", "先问清你要部署什么", "检查 Compose 项目中", "显示 stackgen 的帮助"} {
		if !strings.Contains(out, want) {
			t.Errorf("zh --help lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	_, errOut, code := execRootIn(t, msg.Zh, "new", "django")
	if code != 2 || !strings.Contains(errOut, "没有可以提问的终端") || !strings.Contains(errOut, "运行 'stackgen --help' 查看用法。") {
		t.Errorf("zh usage error: exit %d\n%s", code, errOut)
	}
	// the English default is unchanged
	_, errOut, _ = execRootIn(t, msg.En, "new", "django")
	if !strings.Contains(errOut, "no terminal to ask questions on") || !strings.Contains(errOut, "Run 'stackgen --help' for usage.") {
		t.Errorf("en usage error:\n%s", errOut)
	}
}

// A flag value refused by the value's own check reads wholly in the
// reader's language, pflag's frame included, and stays a usage error.
func TestABadFlagValueIsSaidInTheReadersLanguage(t *testing.T) {
	_, errOut, code := execRootIn(t, msg.Zh, "up", "--timeout", "-5m")
	if code != 2 || !strings.Contains(errOut, `--timeout 的值 "-5m" 无效："-5m" 是负数`) || strings.Contains(errOut, "invalid argument") {
		t.Errorf("zh bad flag value: exit %d\n%s", code, errOut)
	}
	_, errOut, _ = execRootIn(t, msg.En, "up", "--timeout", "-5m")
	if !strings.Contains(errOut, `invalid argument "-5m" for --timeout: "-5m" is negative`) {
		t.Errorf("en bad flag value:\n%s", errOut)
	}
}

func TestLangFlagIsAccepted(t *testing.T) {
	// Main reads the value; cobra must accept the flag on every verb
	if _, errOut, code := execRootIn(t, msg.En, "stacks", "--lang", "zh"); code != 0 {
		t.Fatalf("stacks --lang zh: exit %d: %s", code, errOut)
	}
}

func TestVerbArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "site"}, "validate"},
		{[]string{"--lang", "zh", "new", "django"}, "new"},
		{[]string{"--lang=zh", "validate"}, "validate"},
		{[]string{"-v"}, ""},
		{[]string{"--", "new"}, ""},
		{nil, ""},
	} {
		if got := verbArg(tc.args); got != tc.want {
			t.Errorf("verbArg(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
