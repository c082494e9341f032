package render

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

func dotenvParse(s string) (map[string]string, error) {
	return dotenv.ParseWithLookup(strings.NewReader(s), func(string) (string, bool) { return "", false })
}
