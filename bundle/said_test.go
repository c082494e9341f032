package bundle

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackgen/stackgen/internal/msg"
)

// A refused bundle is said in the reader's language, its reason too, and
// stays a *BundleError for the code that asks.
func TestBundleErrorIsSaidInTheReadersLanguage(t *testing.T) {
	var err error = &BundleError{Bundle: "mysite.zip", File: "compose.yaml", Reason: msg.Err("bundle.err.reason.size", msg.Args{"Size": 10, "Listed": 20})}
	var be *BundleError
	if !errors.As(err, &be) || be.File != "compose.yaml" {
		t.Fatalf("errors.As(%v) found no BundleError", err)
	}
	if en := err.Error(); !strings.Contains(en, "compose.yaml: has 10 bytes, the manifest says 20") || !strings.Contains(en, "nothing was loaded") {
		t.Errorf("English text %q", en)
	}
	zh := msg.New(msg.Zh).T("root.error", msg.Args{"Err": err})
	for _, want := range []string{"mysite.zip", "有 10 字节", "没有加载任何东西"} {
		if !strings.Contains(zh, want) {
			t.Errorf("said in Chinese as %q, want %q in it", zh, want)
		}
	}
	if strings.Contains(zh, "manifest says") || strings.Contains(zh, "nothing was loaded") {
		t.Errorf("English left in %q", zh)
	}
}
