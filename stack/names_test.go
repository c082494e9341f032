package stack

import (
	"strings"
	"testing"
)

func TestComposeProjectName(t *testing.T) {
	cases := []struct {
		folder, want string
	}{
		{"mysite", "mysite"},
		{"My Site", "mysite"},            // what compose derives from the folder
		{"Shop_2024-eu", "shop_2024-eu"}, // already valid apart from case
		{"-_hidden", "hidden"},           // must start with a letter or digit
		{"我的site", "site"},               // compose keeps the ASCII part
		{"我的网站", "django-uwsgi-"},        // nothing usable: stack name and a hash
		{"Ünïcödé", "ncd"},
	}
	for _, c := range cases {
		got := ComposeProjectName(c.folder, "django-uwsgi")
		if strings.HasSuffix(c.want, "-") {
			if !strings.HasPrefix(got, c.want) || len(got) != len(c.want)+8 {
				t.Errorf("ComposeProjectName(%q) = %q, want %s<8 hex digits>", c.folder, got, c.want)
			}
		} else if got != c.want {
			t.Errorf("ComposeProjectName(%q) = %q, want %q", c.folder, got, c.want)
		}
		if err := ComposeProject(got); err != nil {
			t.Errorf("ComposeProjectName(%q) = %q, which the check refuses: %v", c.folder, got, err)
		}
	}
	a, b := ComposeProjectName("我的网站", "django-uwsgi"), ComposeProjectName("你的网站", "django-uwsgi")
	if a == b {
		t.Errorf("two folders with no usable characters share the name %q", a)
	}
	if long := ComposeProjectName(strings.Repeat("a", 100), "x"); len(long) > composeNameMax {
		t.Errorf("name of %d characters, want at most %d", len(long), composeNameMax)
	}
}

func TestComposeProjectCheck(t *testing.T) {
	for _, bad := range []string{"", "My", "-x", "_x", "a b", "我的", "a.b"} {
		if ComposeProject(bad) == nil {
			t.Errorf("ComposeProject(%q) accepted", bad)
		}
	}
	for _, good := range []string{"mysite", "0site", "a_b-c"} {
		if err := ComposeProject(good); err != nil {
			t.Errorf("ComposeProject(%q): %v", good, err)
		}
	}
}

func TestPythonIdentFrom(t *testing.T) {
	cases := map[string]string{
		"mysite":    "mysite",
		"My Site":   "my_site",
		"shop-eu":   "shop_eu",
		"2024 blog": "site_2024_blog",
		"test":      "test_site", // would shadow a module Django imports
		"class":     "class_site",
		"我的网站":      "",
		"--":        "",
	}
	for in, want := range cases {
		got := PythonIdentFrom(in)
		if got != want {
			t.Errorf("PythonIdentFrom(%q) = %q, want %q", in, got, want)
		}
		if got != "" && PythonPackage(got) != nil {
			t.Errorf("PythonIdentFrom(%q) = %q is not a valid package", in, got)
		}
	}
}

func TestSlugFrom(t *testing.T) {
	cases := map[string]string{"My Model": "my-model", "2024 model": "model", "a__b": "a-b", "模型": ""}
	for in, want := range cases {
		if got := SlugFrom(in); got != want {
			t.Errorf("SlugFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveInFolder(t *testing.T) {
	d := testDef()
	d.Questions[0].FolderDefault = PythonIdentFrom
	d.Questions = append(d.Questions, ComposeProjectQuestion("demo", func(a Answers) string { return a["name"] }))
	cases := []struct {
		folder, name, compose string
	}{
		{"", "mysite", "mysite"},
		{"Shop Front", "shop_front", "shopfront"},
		{"我的网站", "mysite", ComposeProjectName("我的网站", "demo")},
	}
	for _, c := range cases {
		a, err := d.ResolveIn(c.folder, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a["name"] != c.name || a[ComposeProjectAnswer] != c.compose {
			t.Errorf("folder %q: name %q compose_project %q, want %q %q", c.folder, a["name"], a[ComposeProjectAnswer], c.name, c.compose)
		}
	}
	// An answer given wins over the folder.
	a, err := d.ResolveIn("Shop", Answers{"name": "blog"})
	if err != nil || a["name"] != "blog" {
		t.Errorf("given answer lost: %v %v", a, err)
	}
}
