package appscan

import "sort"

// Debian packages a dependency needs when pip builds it from source: the
// headers and tools go in the image's build stage only; the shared
// libraries a built extension links go in the runtime stage too. Wheels
// (Pillow's, lxml's, cryptography's on amd64 and arm64) carry their own
// libraries and need neither, so these only matter where no wheel fits.
var sysLibs = map[string]struct{ build, runtime []string }{
	"mysqlclient":  {[]string{"default-libmysqlclient-dev", "pkg-config"}, []string{"libmariadb3"}},
	"psycopg2":     {[]string{"libpq-dev"}, []string{"libpq5"}},
	"psycopg":      {nil, []string{"libpq5"}}, // pure Python without [binary]: loads libpq at run time
	"psycopg[c]":   {[]string{"libpq-dev"}, []string{"libpq5"}},
	"pillow":       {[]string{"libjpeg62-turbo-dev", "zlib1g-dev", "libfreetype-dev"}, nil},
	"lxml":         {[]string{"libxml2-dev", "libxslt1-dev"}, nil},
	"cryptography": {[]string{"libssl-dev", "libffi-dev"}, nil},
}

// SystemLibs are the Debian packages the build and runtime stages install
// for these (normalised) package names, sorted and without duplicates.
func SystemLibs(packages []string) (build, runtime []string) {
	b, r := map[string]bool{}, map[string]bool{}
	have := map[string]bool{}
	for _, p := range packages {
		have[p] = true
	}
	for _, p := range packages {
		if p == "psycopg" && (have["psycopg[binary]"] || have["psycopg[c]"]) {
			continue // the binary extra bundles libpq; [c] is listed itself
		}
		libs, ok := sysLibs[p]
		if !ok {
			continue
		}
		for _, l := range libs.build {
			b[l] = true
		}
		for _, l := range libs.runtime {
			r[l] = true
		}
	}
	return sortedKeys(b), sortedKeys(r)
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
