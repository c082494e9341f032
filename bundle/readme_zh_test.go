package bundle

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackgen/stackgen/templates"
)

func TestOfflineReadmeInTheProjectsLanguage(t *testing.T) {
	m := &Manifest{Stack: "django-uwsgi", Project: "mysite", StackgenVersion: "test", Created: time.Unix(0, 0).UTC(),
		Platform: "linux/amd64", Images: []Image{{Name: "mysql:8.4", ID: "sha256:0123456789abcdef", Size: 1 << 20}},
		ImageArchive: "images.tar.zst", Codec: "zstd", ImageTarSize: 1 << 20, SecretKeys: []string{"A", "B"},
		URL: "http://localhost/", Migrate: &Migrate{What: "Django migrations"}}
	en, err := Readme(m)
	if err != nil {
		t.Fatal(err)
	}
	m.Lang = "zh"
	zh, err := Readme(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(en), "## Troubleshooting") || !strings.Contains(string(zh), "## 故障排查") || !strings.Contains(string(zh), "A、B") {
		t.Errorf("en:\n%.200s\nzh:\n%.200s", en, zh)
	}
}

// The Chinese README states the same facts: the same {% ... %} values,
// each as often as in the English one.
func TestOfflineReadmeTranslationHasTheSameValues(t *testing.T) {
	action := regexp.MustCompile(`\{%-?\s*(.*?)\s*-?%\}`)
	values := func(s string) []string {
		var out []string
		for _, m := range action.FindAllStringSubmatch(s, -1) {
			out = append(out, strings.ReplaceAll(m[1], `"、"`, `", "`))
		}
		sort.Strings(out)
		return out
	}
	if a, b := strings.Join(values(templates.Bundle(readmeTemplate)), "\n"), strings.Join(values(templates.Bundle(readmeTemplateZh)), "\n"); a != b {
		t.Errorf("values differ:\n%s\n---\n%s", a, b)
	}
}
