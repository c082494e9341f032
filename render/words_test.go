package render

import "testing"

func TestWords(t *testing.T) {
	if got, err := ShellWords([]string{"python", "manage.py", "it's"}); err != nil || got != `python manage.py 'it'"'"'s'` {
		t.Errorf("ShellWords = %q, %v", got, err)
	}
	if _, err := ShellWords([]string{"a\x00b"}); err == nil {
		t.Error("ShellWords accepted a NUL byte")
	}
	if got := PowerShellArray([]string{"a", "b'c"}); got != `'a', 'b''c'` {
		t.Errorf("PowerShellArray = %q", got)
	}
	for _, bad := range []string{"", "a&calc", "a b", `a"b`, "a%PATH%"} {
		if _, err := CmdWord(bad); err == nil {
			t.Errorf("CmdWord accepted %q", bad)
		}
	}
	if got, err := CmdWord(`images\images.tar.zst`); err != nil || got != `images\images.tar.zst` {
		t.Errorf("CmdWord = %q, %v", got, err)
	}
}
