package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

// A damaged backup is reported as a list of problems; said in Chinese, the
// heading and every problem must be Chinese, not only the heading.
func TestAVerifyErrorIsSaidInTheReadersLanguage(t *testing.T) {
	dir, _ := createBackup(t, newFake(t))
	// Two problems: the manifest's checksum of one file no longer holds,
	// and SHA256SUMS lists a name that is not a plain file name.
	b := mustRead(t, filepath.Join(dir, "redis.rdb"))
	b[len(b)/2] ^= 1
	os.WriteFile(filepath.Join(dir, "redis.rdb"), b, 0o600)
	sums := mustRead(t, filepath.Join(dir, SumsName))
	sums = append(sums, []byte(strings.Repeat("0", 64)+"  ../escape\n")...)
	os.WriteFile(filepath.Join(dir, SumsName), sums, 0o600)

	_, err := Verify(dir)
	if err == nil {
		t.Fatal("Verify of a damaged backup succeeded")
	}
	en := msg.English().T("root.error", msg.Args{"Err": err})
	if en != "stackgen: "+err.Error() {
		t.Errorf("said in English:\n%s\nwant the error's own text:\n%s", en, err)
	}
	zh := msg.New(msg.Zh).T("root.error", msg.Args{"Err": err})
	for _, want := range []string{"已损坏或不完整", "不是普通文件名", "文件在备份之后被改动过", "redis.rdb：", `"../escape"`} {
		if !strings.Contains(zh, want) {
			t.Errorf("said in Chinese:\n%s\nmissing %q", zh, want)
		}
	}
	for _, english := range []string{"damaged", "plain file name", "changed after"} {
		if strings.Contains(zh, english) {
			t.Errorf("said in Chinese:\n%s\nstill holds %q", zh, english)
		}
	}
}

// The same holds for a backup that does not fit the project, and for a
// file Verify finds missing (an error type of its own, not a catalogue
// message, until it unwraps to one).
func TestMatchAndMissingAreSaidInTheReadersLanguage(t *testing.T) {
	dir, m := createBackup(t, newFake(t))
	zh := msg.New(msg.Zh)
	_, err := Match(m, "onyx", djangoStates)
	if err == nil {
		t.Fatal("Match of another stack's backup succeeded")
	}
	if got := zh.T("root.error", msg.Args{"Err": err}); !strings.Contains(got, "与本项目不符") || !strings.Contains(got, "它是 django-uwsgi 栈的备份") {
		t.Errorf("Match error said in Chinese:\n%s", got)
	}
	os.Remove(filepath.Join(dir, "redis.rdb"))
	_, err = Verify(dir)
	if err == nil {
		t.Fatal("Verify with a file removed succeeded")
	}
	if got := zh.T("root.error", msg.Args{"Err": err}); !strings.Contains(got, "redis.rdb：文件不存在") {
		t.Errorf("a missing file said in Chinese:\n%s", got)
	}
	if !strings.Contains(err.Error(), "redis.rdb: missing") {
		t.Errorf("a missing file in English: %v", err)
	}
}
